import type { CloudEvent, ParentTrigger, RunError, RunStatus, RunTrigger, StepStatus, TaskError } from '@baton/contracts';

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
  /** 1 for the first step to complete in this run, 2 for the next…: compensation runs in reverse of it. */
  completionOrder?: number;
  /** The saga compensation of this step, once it has begun. */
  compensation?: CompensationState;
  /** A `subWorkflow` step: the child run of the current attempt. */
  childRunId?: string;
}

export interface CompensationState {
  status: 'running' | 'scheduled' | 'completed' | 'failed';
  attempts: number;
  error?: TaskError;
}

/** Why the run is compensating: it failed, timed out, or was cancelled by a definition with `compensateOnCancel`. */
export type CompensationReason = 'failed' | 'cancelled' | 'timed_out';

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
  compensationReason?: CompensationReason;
  /** The attempt number of the run's current deadline timer: an older one (before a retry) is moot. */
  deadlineTimer?: number;
  /** Catch handlers an error was routed to: they may start (they never do otherwise). */
  routed?: string[];
  /** Keyed by step id, one entry per step of the definition, created with the run. */
  steps: Record<string, StepState>;
}

/** The `stepId` of the whole run's deadline timer; `$` cannot appear in a step id. */
export const RUN_TIMER = '$run';

/** What happened to a run, as fed to the engine. */
export type RunEvent =
  | { type: 'RunStarted' }
  | { type: 'TaskCompleted'; stepId: string; attempt: number; output: unknown }
  | { type: 'TaskFailed'; stepId: string; attempt: number; error: TaskError }
  /** A worker says the attempt is still in progress: its deadline moves out by the step's timeout. */
  | { type: 'TaskHeartbeat'; stepId: string; attempt: number }
  /** A delayed retry is due: start attempt `attempt` of the step. */
  | { type: 'RetryDue'; stepId: string; attempt: number }
  /** A step's timer is due: a `delay` ends, or an `approval` times out. */
  | { type: 'TimerDue'; stepId: string; attempt: number }
  /** An event arrived that the `waitForEvent` step `stepId` (attempt `attempt`) may be waiting for. */
  | { type: 'EventReceived'; stepId: string; attempt: number; event: CloudEvent }
  /** A signal for the run, e.g. an approval decision for the approval step named `name`. */
  | { type: 'SignalReceived'; name: string; payload: SignalPayload }
  | { type: 'CancelRequested'; reason?: string }
  /** Resume a failed run from its failed steps, with the same run id. */
  | { type: 'RetryRequested' }
  | { type: 'PauseRequested' }
  | { type: 'ResumeRequested' };

/** The body of `POST /v1/runs/{id}/signals/{name}` (DESIGN.md §4). */
export interface SignalPayload {
  decision?: 'approved' | 'rejected';
  by?: string;
  comment?: string;
}

/** Side effects the service carries out after saving the new state, in the same transaction (outbox). */
export type EngineCommand =
  /** Publish a TaskDispatch to `baton.tasks.<taskType>`. */
  | { type: 'DispatchTask'; stepId: string; attempt: number; taskType: string; input: unknown; deadline: string }
  /** Deliver `RetryDue` for this step and attempt at `dueAt`. */
  | { type: 'ScheduleRetry'; stepId: string; attempt: number; dueAt: string }
  /** Deliver `TimerDue` for this step and attempt at `dueAt` (the run's own deadline uses `RUN_TIMER`). */
  | { type: 'ScheduleTimer'; stepId: string; attempt: number; dueAt: string }
  /** A timer that became moot (the step finished first): it must fire nothing. */
  | { type: 'CancelTimer'; stepId: string; attempt: number; kind: 'retry' | 'timer' }
  /** Publish a RunLifecycleEvent for the run's new status. */
  | { type: 'PublishLifecycle'; status: RunStatus }
  /** Publish a RunLifecycleEvent about the run that keeps its status: an approval step began to wait. */
  | { type: 'PublishAlert'; alert: 'approval_requested'; stepId: string }
  /** Start the child run of a `subWorkflow` step's attempt (idempotent by `runId`). */
  | { type: 'StartChildRun'; runId: string; workflow: string; version?: number; input: unknown; trigger: ParentTrigger }
  /** Cancel a child run its parent no longer waits for. */
  | { type: 'CancelChildRun'; runId: string; reason: string }
  /** This child run ended: tell the parent's `subWorkflow` step, as the result of its attempt. */
  | { type: 'ReportToParent'; parent: ParentTrigger; outcome: { output: unknown } | { error: TaskError } }
  /** Deliver events of `eventType` to this waiting step, starting with those in the buffer window. */
  | { type: 'AwaitEvent'; stepId: string; attempt: number; eventType: string }
  /** The step no longer waits for an event. */
  | { type: 'StopAwaitingEvent'; stepId: string };

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
    | 'StepWaiting'
    | 'StepCancelled'
    | 'RunCancelled'
    | 'RunCompensating'
    | 'CompensationStarted'
    | 'CompensationFailed'
    | 'CompensationRetryScheduled'
    | 'StepCompensated'
    | 'RunCompensated'
    | 'StepTimedOut'
    | 'RunTimedOut'
    | 'StepCaught'
    | 'StepRouted'
    | 'StepFannedOut'
    | 'RunQueued'
    | 'RunRetried'
    | 'RunPaused'
    | 'RunResumed'
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
