export { BatonWorker } from './worker/baton-worker';
export type { BatonWorkerOptions } from './worker/baton-worker';
export { RetryableError, TerminalError, toTaskError } from './worker/task-errors';
export type { TaskContext, TaskHandler, TaskHandlerOptions, WorkerLogger } from './worker/task-handler';
export { NatsNames } from './nats-names';
export { BatonClient, RunWaitTimeoutError, TERMINAL_RUN_STATUSES } from './client/baton-client';
export type {
  BatonClientOptions,
  DeliveryFilter,
  NotificationRuleInput,
  PageRequest,
  PublishedEvent,
  Readiness,
  RegisteredDefinition,
  RunFilter,
  SavedNotificationRule,
  ScheduleFire,
  StartedRun,
  StartRunRequest,
  WaitForRunOptions,
} from './client/baton-client';
export { BatonApiError } from './client/baton-api-error';
export type { Problem, ProblemFieldError } from './client/baton-api-error';
export type {
  AuditRecord,
  CloudEvent,
  DefinitionSummary,
  DefinitionView,
  DeliveryStatus,
  DeliveryView,
  GlobalNotificationRuleView,
  HistoryEntryView,
  Page,
  RejectedEventView,
  RunStatus,
  RunSummary,
  RunView,
  ScheduleView,
  SignalBody,
  StepView,
  TaskDispatch,
  TaskError,
  TaskHeartbeat,
  TaskResult,
  WaitReason,
  WorkflowInsightsView,
} from '@baton/contracts';
