import type { FieldError, NotificationChannel, NotificationRule, WorkflowDefinition } from '@baton/dsl';
import type { CloudEvent, RunError, RunTrigger } from './messages';
import type { RunStatus, StepStatus } from './statuses';

/** A registered definition version as the admin API returns it. */
export interface DefinitionView {
  name: string;
  version: number;
  description?: string;
  definition: WorkflowDefinition;
  createdAt: string;
}

/** One line per definition in lists: the latest version. */
export interface DefinitionSummary {
  name: string;
  latestVersion: number;
  description?: string;
  updatedAt: string;
}

export interface StepView {
  id: string;
  type: string;
  status: StepStatus;
  attempts: number;
  input?: unknown;
  output?: unknown;
  error?: { message: string; retryable?: boolean };
  startedAt?: string;
  endedAt?: string;
  /** A `subWorkflow` step: the child run of its latest attempt. */
  childRunId?: string;
  /** The saga compensation of this step, once it has begun. */
  compensation?: {
    status: 'running' | 'scheduled' | 'completed' | 'failed';
    attempts: number;
    error?: { message: string; retryable?: boolean };
  };
}

/** A run as the admin API returns it (DESIGN.md §4, contract). */
export interface RunView {
  id: string;
  workflow: string;
  version: number;
  status: RunStatus;
  input: unknown;
  output?: unknown;
  error?: RunError;
  steps: StepView[];
  traceId?: string;
  parentRunId?: string;
  trigger: RunTrigger;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  /** What a run that has not ended is waiting for, from its state and definition; absent once it has ended. */
  waitingFor?: WaitReason[];
}

/**
 * One thing a run waits for (`RunView.waitingFor`). An instant the coordinator cannot work out
 * from the run and its definition (a retry's back-off, a wait begun again by a run retry) is left
 * out rather than guessed. `compensation`: the wait is for the step's saga compensation.
 */
export type WaitReason =
  /** A `delay` step, or a step waiting out its retry back-off. */
  | { kind: 'timer'; stepId: string; reason: 'delay' | 'retry'; until?: string; compensation?: true }
  /** A `waitForEvent` step: an event of `eventType` for which `match` (as written in the definition) holds. */
  | { kind: 'event'; stepId: string; eventType: string; match?: string; timeoutAt?: string }
  /** An `approval` step: a decision posted to `/v1/runs/{id}/signals/{signal}`. */
  | { kind: 'approval'; stepId: string; signal: string; timeoutAt?: string }
  /** A queued run: `limit` runs sharing its concurrency `key` are active. */
  | { kind: 'concurrency'; key: string; limit: number }
  /** An attempt handed to an external worker on `baton.tasks.<taskType>`. */
  | { kind: 'worker'; stepId: string; taskType: string; attempt: number; compensation?: true }
  /** An attempt of a built-in step type, handed to the executor. */
  | { kind: 'executor'; stepId: string; stepType: 'http' | 'publish'; attempt: number; compensation?: true }
  /** A `subWorkflow` step: the end of its child run. */
  | { kind: 'child'; stepId: string; childRunId: string }
  /** Paused, the run starts nothing (not even a due retry) until resumed. */
  | { kind: 'paused' };

/** Lists do not work out what runs wait for: that needs each run's definition. */
export type RunSummary = Omit<RunView, 'steps' | 'input' | 'output' | 'waitingFor'>;

export interface HistoryEntryView {
  seq: number;
  type: string;
  stepId?: string;
  attempt?: number;
  data?: unknown;
  at: string;
}

/** A schedule trigger as `GET /v1/schedules` shows it (one per schedule trigger of a workflow's latest version). */
export interface ScheduleView {
  /** `<workflow>.<index of the trigger in the definition's triggers>`, e.g. `nightly-report.0`. */
  id: string;
  workflow: string;
  /** The definition version the schedule was read from. */
  version: number;
  schedule: string;
  timezone: string;
  misfire: 'skip' | 'fireOnce' | 'catchUp';
  overlap: 'allow' | 'skip' | 'cancelPrevious';
  catchUpLimit?: number;
  jitter?: string;
  paused: boolean;
  /** The next fire time (before jitter); absent when paused or when the pattern has no more. */
  nextFireAt?: string;
  lastFireAt?: string;
  lastRunId?: string;
  /** The last fire skipped because the previous run was still active (`overlap: skip`). */
  lastSkippedAt?: string;
}

export interface RejectedEventView {
  id: string;
  subject: string;
  reason: string;
  errors: FieldError[];
  event: unknown;
  receivedAt: string;
}

/** A notification rule that applies to every workflow, or to those it names (`/v1/notifications/rules`). */
export type GlobalNotificationRuleView = NotificationRule & {
  name: string;
  /** Only runs of these workflows; all workflows when absent. */
  workflows?: string[];
  createdAt: string;
  updatedAt: string;
};

export type DeliveryStatus = 'pending' | 'delivered' | 'dead_lettered';

/** One notification to one channel, across all its attempts (`GET /v1/notifications/deliveries`). */
export interface DeliveryView {
  /**
   * `<runId>:<event>:<rule>` (`<runId>:approval_requested:<stepId>:<rule>` for an approval); sent as
   * `X-Baton-Delivery` so receivers can deduplicate.
   */
  id: string;
  runId: string;
  workflow: string;
  event: string;
  /** `definition[<index>]` for a rule of the workflow's definition, `global:<name>` for a global rule. */
  rule: string;
  channel: NotificationChannel;
  /** The URL, the e-mail addresses or the subject. */
  target: string;
  status: DeliveryStatus;
  attempts: number;
  lastError?: string;
  lastStatusCode?: number;
  nextAttemptAt?: string;
  deliveredAt?: string;
  createdAt: string;
  updatedAt: string;
}

/** Cursor-paginated list (DESIGN.md §4, contract). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type { CloudEvent };
