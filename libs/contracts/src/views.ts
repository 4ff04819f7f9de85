import type { FieldError, WorkflowDefinition } from '@baton/dsl';
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
}

export type RunSummary = Omit<RunView, 'steps' | 'input' | 'output'>;

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

/** Cursor-paginated list (DESIGN.md §4, contract). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type { CloudEvent };
