export {
  BackfillDto,
  DELIVERY_STATUSES,
  CloudEventDto,
  InsightsQueryDto,
  ListDeliveriesQueryDto,
  ListRunsQueryDto,
  ListSchedulesQueryDto,
  PageQueryDto,
  CancelRunDto,
  SignalDto,
  StartRunDto,
  TaskErrorDto,
  TaskResultDto,
} from './dto';
export type {
  CancelRunCommand,
  CloudEvent,
  HttpTaskInput,
  HttpTaskOutput,
  ParentTrigger,
  PublishTaskInput,
  RunError,
  RunAlert,
  RunLifecycleEvent,
  RunTrigger,
  StartRunCommand,
  StepDueCommand,
  TaskDispatch,
  TaskError,
  TaskHeartbeat,
  TaskResult,
} from './messages';
export type { DurationSummary, HotSpot, InsightsRunCounts, RunningRunInsight, StepInsight, WorkflowInsightsView } from './insights';
export { RpcProblemError } from './rpc';
export type {
  HealthReport,
  RunOperation,
  SignalBody,
  RpcCatalogue,
  RpcPattern,
  RpcProblem,
  RpcReply,
  RpcReplyValue,
  RpcRequest,
} from './rpc';
export { ACTIVE_RUN_STATUSES, RUN_STATUSES, STEP_STATUSES, TERMINAL_RUN_STATUSES } from './statuses';
export type { RunStatus, StepStatus } from './statuses';
export { BUILTIN_TASK_TYPES, EVENT_SUBJECT_PREFIX, Streams, Subjects } from './subjects';
export type { BuiltinTaskType, MessageCatalogue, PayloadOf, StreamSpec, Subject } from './subjects';
export { PERMISSIONS, ROLES, roleAllows } from './permissions';
export type { AuditRecord, Permission, Role } from './permissions';
export { checkTriggerEvent } from './trigger-event';
export type { TriggerEventCheck } from './trigger-event';
export { fieldErrorsOf, validatePlain } from './validation';
export type { Validated } from './validation';
export type {
  DefinitionSummary,
  DefinitionView,
  DeliveryStatus,
  DeliveryView,
  GlobalNotificationRuleView,
  HistoryEntryView,
  Page,
  RejectedEventView,
  RunSummary,
  RunView,
  ScheduleView,
  StepView,
  WaitReason,
} from './views';
export { CursorShapes, decodeCursor, encodeCursor, InvalidCursorError } from './cursor';
export { isUuid, RunIds } from './run-ids';
export { nulCharacterErrors, storableText } from './storable-json';
