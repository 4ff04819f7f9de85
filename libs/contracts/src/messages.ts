import type { SecretTemplate } from '@baton/dsl';
import type { RunStatus } from './statuses';

/** CloudEvents 1.0 JSON envelope of a business trigger event (DESIGN.md §2, contract). */
export interface CloudEvent<T = unknown> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time?: string;
  subject?: string;
  datacontenttype?: string;
  data?: T;
}

/** What caused a run to start; kept on the run for operators. */
export type RunTrigger =
  | { kind: 'api'; idempotencyKey?: string }
  | { kind: 'event'; eventType: string; eventId: string; source: string; triggerIndex: number }
  /** A fire of a schedule trigger: `fireTime` is the nominal (cron) time, before jitter. */
  | { kind: 'schedule'; scheduleId: string; fireTime: string }
  | ParentTrigger;

/** A child run, started by attempt `attempt` of the `subWorkflow` step `parentStepId` of `parentRunId`. */
export interface ParentTrigger {
  kind: 'workflow';
  parentRunId: string;
  parentStepId: string;
  attempt: number;
  /** 1 for a child of a top-level run, 2 for its child, …; bounded by MAX_SUBWORKFLOW_DEPTH. */
  depth: number;
}

/** `baton.cmd.start-run`: ask the coordinator to create and start a run. Idempotent by `runId`. */
export interface StartRunCommand {
  runId: string;
  workflow: string;
  /** Absent: the latest version when the command is handled (a `subWorkflow` step without `version`). */
  version?: number;
  input: unknown;
  trigger: RunTrigger;
}

/** `baton.cmd.cancel-run`: cancel a run from inside the platform (a parent cancelling its child). */
export interface CancelRunCommand {
  runId: string;
  reason: string;
}

/**
 * `baton.cmd.step-due`: a step's timer is due — a retry back-off (`retry`) or a delay or approval
 * deadline (`timer`). Published through the outbox with a `not_before`, so it survives restarts.
 */
export interface StepDueCommand {
  runId: string;
  stepId: string;
  attempt: number;
  kind: 'retry' | 'timer';
}

/** `baton.tasks.<taskType>`: one attempt of a step, for the executor or an external worker (contract). */
export interface TaskDispatch {
  taskId: string;
  runId: string;
  stepId: string;
  attempt: number;
  idempotencyKey: string;
  input: unknown;
  /** ISO-8601 instant after which the attempt counts as timed out. */
  deadline: string;
}

export interface TaskError {
  message: string;
  retryable: boolean;
  /**
   * What kind of failure, for `retry.retryOn`: the executor reports `http.<status>`, `timeout`,
   * `network`, `invalid-input`, `secret`; a worker may send its own (e.g. `card.declined`).
   */
  code?: string;
}

/** `baton.results.task`: the outcome of one attempt (contract). */
export interface TaskResult {
  taskId: string;
  runId: string;
  stepId: string;
  attempt: number;
  status: 'completed' | 'failed';
  output?: unknown;
  error?: TaskError;
}

/** `baton.results.task` heartbeat for long work (contract). */
export interface TaskHeartbeat {
  taskId: string;
  attempt: number;
  status: 'running';
}

/**
 * `baton.lifecycle.<workflow>.<status>`: a run changed status (contract). The same message on
 * `baton.lifecycle.<workflow>.<event>` with `event` set reports an alert about a run that keeps its
 * status: `sla_at_risk`, `sla_breached`, or `approval_requested` (with the approval's `stepId`).
 */
export interface RunLifecycleEvent {
  runId: string;
  workflow: string;
  version: number;
  status: RunStatus;
  event?: RunAlert;
  stepId?: string;
  output?: unknown;
  error?: RunError;
  /** With an SLA alert: when the run is predicted to end, its SLA deadline and the breach probability. */
  sla?: { deadline: string; predictedEndAt?: string; breachProbability?: number };
  occurredAt: string;
}

export type RunAlert = 'sla_at_risk' | 'sla_breached' | 'approval_requested';

export interface RunError {
  message: string;
  stepId?: string;
}

/** Input of the built-in `http` task type, resolved by the coordinator. */
export interface HttpTaskInput {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
  /**
   * Values the executor resolves just before the call, from `${ secrets.<name> }` templates kept
   * as written at these paths (e.g. `["headers", "Authorization"]`); never resolved into run state.
   */
  secrets?: SecretTemplate[];
}

/** Output of the built-in `http` task type. */
export interface HttpTaskOutput {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Input of the built-in `publish` task type. */
export interface PublishTaskInput {
  subject: string;
  eventType: string;
  source: string;
  data?: unknown;
}
