export type {
  ApprovalStepDefinition,
  BackoffKind,
  CatchRoute,
  CompensationDefinition,
  CompensationType,
  ConcurrencyDefinition,
  Condition,
  DelayStepDefinition,
  EventTriggerDefinition,
  FailStepDefinition,
  FieldError,
  HttpStepDefinition,
  MisfirePolicy,
  OverlapPolicy,
  ChatChannel,
  EmailChannel,
  NatsChannel,
  NotificationChannel,
  NotificationEvent,
  NotificationRule,
  SlaDefinition,
  WebhookChannel,
  PublishStepDefinition,
  RetryPolicy,
  ScheduleTriggerDefinition,
  Scope,
  StepDefinition,
  StepType,
  SucceedStepDefinition,
  SwitchStepDefinition,
  ForEachStepDefinition,
  IterationStepDefinition,
  ParallelMode,
  ParallelStepDefinition,
  SubWorkflowStepDefinition,
  TaskStepDefinition,
  Template,
  TransformStepDefinition,
  TriggerDefinition,
  WaitForEventStepDefinition,
  WorkflowDefinition,
} from './definition.types';
export {
  COMPENSATION_TYPES,
  MISFIRE_POLICIES,
  NOTIFICATION_CHANNELS,
  OVERLAP_POLICIES,
  PARALLEL_MODES,
  STEP_TYPES,
} from './definition.types';
export type { CronSpec } from './cron-schedule';
export {
  DEFAULT_CATCH_UP_LIMIT,
  MAX_ENUMERATED_FIRES,
  MISFIRE_GRACE_MS,
  fireTimesBetween,
  firesDue,
  jitterOf,
  nextFireTime,
} from './cron-schedule';
export { inputViolations } from './input-schema';
export { evaluateTemplateDeferringSecrets } from './secret-templates';
export type { SecretTemplate, ValuePath } from './secret-templates';
export {
  EVENT_TYPE_PATTERN,
  HTTP_METHODS,
  MAX_FOREACH_CONCURRENCY,
  MAX_FOREACH_ITEMS,
  MAX_STEPS,
  MAX_SUBWORKFLOW_DEPTH,
  NOTIFICATION_EVENTS,
  RESERVED_STEP_IDS,
  RESERVED_TASK_TYPES,
  STEP_ID_PATTERN,
  TASK_TYPE_PATTERN,
  WORKFLOW_NAME_PATTERN,
  isInternalSubject,
  isNatsSubject,
} from './definition.constants';
export type { DefinitionFormat, DefinitionParse } from './parse-definition';
export { parseDefinitionText } from './parse-definition';
export type { DefinitionValidation } from './validate-definition';
export { validateDefinition } from './validate-definition';
export { validateNotificationRule } from './validate-notifications';
export type { StepGraph } from './step-graph';
export { buildStepGraph, readySteps } from './step-graph';
export type { ExpressionErrorKind, ExpressionLimits } from './expressions';
export { ExpressionError, conditionErrorsIn, evaluateCondition, evaluateTemplate, expressionErrorsIn, isTruthy } from './expressions';
export { parseDuration } from './duration';
export { DEFAULT_RETRY_POLICY, MAX_RETRY_DELAY_MS, catchRouteFor, isRetryableUnder, retryDelayMs, retryPolicyOf } from './retry-policy';
