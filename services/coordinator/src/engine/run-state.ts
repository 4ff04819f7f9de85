import type { RunError, RunStatus, RunTrigger, StepStatus, TaskError } from '@baton/contracts';

/** Everything the engine knows about one step of a run. */
export interface StepState {
  id: string;
  type: string;
  status: StepStatus;
  /** Attempts started so far; the current attempt is `attempts`. */
  attempts: number;
  input?: unknown;
  output?: unknown;
  error?: TaskError;
  startedAt?: string;
  endedAt?: string;
}

/** Everything the engine knows about one run. The service persists it; the engine never does I/O. */
export interface RunState {
  id: string;
  workflow: string;
  version: number;
  status: RunStatus;
  input: unknown;
  output?: unknown;
  error?: RunError;
  trigger: RunTrigger;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  /** Keyed by step id, one entry per step of the definition, created with the run. */
  steps: Record<string, StepState>;
}

/** What happened to a run, as fed to the engine. */
export type RunEvent =
  | { type: 'RunStarted' }
  | { type: 'TaskCompleted'; stepId: string; attempt: number; output: unknown }
  | { type: 'TaskFailed'; stepId: string; attempt: number; error: TaskError }
  /** A delayed retry is due: start attempt `attempt` of the step. */
  | { type: 'RetryDue'; stepId: string; attempt: number };

/** Side effects the service carries out after saving the new state, in the same transaction (outbox). */
export type EngineCommand =
  /** Publish a TaskDispatch to `baton.tasks.<taskType>`. */
  | { type: 'DispatchTask'; stepId: string; attempt: number; taskType: string; input: unknown; deadline: string }
  /** Deliver `RetryDue` for this step and attempt at `dueAt`. */
  | { type: 'ScheduleRetry'; stepId: string; attempt: number; dueAt: string }
  /** Publish a RunLifecycleEvent for the run's new status. */
  | { type: 'PublishLifecycle'; status: RunStatus };

/** One line of the run's history (GET /v1/runs/{id}/history). */
export interface HistoryRecord {
  type:
    | 'RunStarted'
    | 'StepStarted'
    | 'StepCompleted'
    | 'StepFailed'
    | 'StepRetryScheduled'
    | 'StepSkipped'
    | 'RunCompleted'
    | 'RunFailed'
    | 'StaleResultIgnored';
  stepId?: string;
  attempt?: number;
  data?: unknown;
  at: string;
}

export interface Decision {
  state: RunState;
  commands: EngineCommand[];
  history: HistoryRecord[];
}
