import {
  EVENT_TYPE_PATTERN,
  HTTP_METHODS,
  MAX_FOREACH_CONCURRENCY,
  RESERVED_TASK_TYPES,
  TASK_TYPE_PATTERN,
  WORKFLOW_NAME_PATTERN,
  isInternalSubject,
  isNatsSubject,
} from './definition.constants';
import type {
  ApprovalStepDefinition,
  DelayStepDefinition,
  FailStepDefinition,
  FieldError,
  HttpStepDefinition,
  PublishStepDefinition,
  StepType,
  ForEachStepDefinition,
  IterationStepDefinition,
  ParallelStepDefinition,
  SubWorkflowStepDefinition,
  SucceedStepDefinition,
  SwitchStepDefinition,
  TaskStepDefinition,
  TransformStepDefinition,
  WaitForEventStepDefinition,
} from './definition.types';
import { PARALLEL_MODES } from './definition.types';
import { conditionErrorsIn } from './expressions';
import { childPath } from './field-path';
import { validateRetry } from './validate-retry';
import { validateCompensation, validateSteps } from './validate-steps';
import {
  type Fields,
  checkKnownFields,
  checkUrlTemplate,
  compact,
  has,
  isRecord,
  optionalDuration,
  optionalString,
  optionalStringMap,
  optionalTemplate,
  report,
  requiredString,
} from './validation-helpers';

type StepCommonKey = 'id' | 'description' | 'needs' | 'retry' | 'timeout' | 'compensate';

/** The type-specific part of a step. */
export type StepBody =
  | Omit<HttpStepDefinition, StepCommonKey>
  | Omit<PublishStepDefinition, StepCommonKey>
  | Omit<TaskStepDefinition, StepCommonKey>
  | Omit<TransformStepDefinition, StepCommonKey>
  | Omit<DelayStepDefinition, StepCommonKey>
  | Omit<ApprovalStepDefinition, StepCommonKey>
  | Omit<FailStepDefinition, StepCommonKey>
  | Omit<SucceedStepDefinition, StepCommonKey>
  | Omit<SwitchStepDefinition, StepCommonKey>
  | Omit<ParallelStepDefinition, StepCommonKey>
  | Omit<ForEachStepDefinition, StepCommonKey>
  | Omit<SubWorkflowStepDefinition, StepCommonKey>
  | Omit<WaitForEventStepDefinition, StepCommonKey>;

/** Fields each step type adds to the common ones. */
export const STEP_BODY_FIELDS: Readonly<Record<StepType, readonly string[]>> = {
  http: ['with'],
  publish: ['subject', 'eventType', 'data'],
  task: ['taskType', 'input'],
  transform: ['output'],
  delay: ['duration', 'until'],
  approval: ['defaultDecision'],
  fail: ['error'],
  succeed: ['output'],
  switch: ['cases', 'default'],
  parallel: ['branches', 'mode'],
  forEach: ['items', 'concurrency', 'step'],
  subWorkflow: ['workflow', 'version', 'input'],
  waitForEvent: ['event', 'match'],
};

/** What a `forEach` may run per item: leaf steps that work on their own (no waiting for signals or events). */
const ITERATION_TYPES = ['http', 'publish', 'task', 'transform', 'subWorkflow'] as const;
// No `catch` per item: catch the forEach step itself.
const ITERATION_COMMON_FIELDS = ['type', 'description', 'retry', 'timeout', 'compensate'];

const APPROVAL_DECISIONS = ['approved', 'rejected'];

const HTTP_WITH_FIELDS = ['method', 'url', 'headers', 'body', 'timeout'];

/** Validates and normalises the fields that belong to `type`; undefined when a required one is unusable. */
export function validateStepBody(type: StepType, step: Fields, path: string, errors: FieldError[]): StepBody | undefined {
  switch (type) {
    case 'http':
      return validateHttp(step, path, errors);
    case 'publish':
      return validatePublish(step, path, errors);
    case 'task':
      return validateTask(step, path, errors);
    case 'transform':
      return validateTransform(step, path, errors);
    case 'delay':
      return validateDelay(step, path, errors);
    case 'approval':
      return validateApproval(step, path, errors);
    case 'fail':
      return { type: 'fail', ...compact({ error: optionalTemplate(step, 'error', path, errors) }) };
    case 'succeed':
      return { type: 'succeed', ...compact({ output: optionalTemplate(step, 'output', path, errors) }) };
    case 'switch':
      return validateSwitch(step, path, errors);
    case 'parallel':
      return validateParallel(step, path, errors);
    case 'forEach':
      return validateForEach(step, path, errors);
    case 'subWorkflow':
      return validateSubWorkflow(step, path, errors);
    case 'waitForEvent':
      return validateWaitForEvent(step, path, errors);
  }
}

/** `workflow` (a workflow name), an optional pinned `version` and the child's `input` template. */
function validateSubWorkflow(step: Fields, path: string, errors: FieldError[]): StepBody | undefined {
  const workflow = requiredString(step, 'workflow', path, errors, 'workflow is required: the name of the workflow to run as a child');
  if (workflow !== undefined && !WORKFLOW_NAME_PATTERN.test(workflow)) {
    report(errors, childPath(path, 'workflow'), `'${workflow}' is not a workflow name (lower-case letters, digits and '-')`);
  }
  const version = step.version;
  if (has(step, 'version') && (typeof version !== 'number' || !Number.isInteger(version) || version < 1)) {
    report(errors, childPath(path, 'version'), 'version must be a positive integer (absent: the latest version when the step starts)');
  }
  const input = optionalTemplate(step, 'input', path, errors);
  if (workflow === undefined) return undefined;
  return compact({ type: 'subWorkflow' as const, workflow, version: version as number | undefined, input });
}

/** `event` (a CloudEvent type) and an optional `match` condition. */
function validateWaitForEvent(step: Fields, path: string, errors: FieldError[]): StepBody | undefined {
  const event = requiredString(step, 'event', path, errors, 'event is required: the CloudEvent type to wait for, e.g. payment.captured');
  if (event !== undefined && !EVENT_TYPE_PATTERN.test(event)) {
    report(errors, childPath(path, 'event'), `invalid event type '${event}'; expected e.g. payment.captured`);
  }
  const match = optionalString(step, 'match', path, errors);
  if (match !== undefined) errors.push(...conditionErrorsIn(match, childPath(path, 'match')));
  if (event === undefined) return undefined;
  return compact({ type: 'waitForEvent' as const, event, match });
}

/** `items` (a template), a required `concurrency` and the per-item `step` (a leaf step without id or needs). */
function validateForEach(step: Fields, path: string, errors: FieldError[]): StepBody | undefined {
  const before = errors.length;
  if (!has(step, 'items'))
    report(errors, childPath(path, 'items'), 'items is required: a template giving a list, e.g. "${ input.orders }"');
  const items = optionalTemplate(step, 'items', path, errors);
  const concurrency = step.concurrency;
  if (typeof concurrency !== 'number' || !Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_FOREACH_CONCURRENCY) {
    report(
      errors,
      childPath(path, 'concurrency'),
      `concurrency is required: an integer from 1 to ${MAX_FOREACH_CONCURRENCY} (how many items run at once; an unbounded fan-out is refused)`,
    );
  }
  const bodyPath = childPath(path, 'step');
  const body = step.step;
  if (!isRecord(body) || typeof body.type !== 'string' || !(ITERATION_TYPES as readonly string[]).includes(body.type)) {
    report(errors, childPath(bodyPath, 'type'), `step must be an object whose type is one of ${ITERATION_TYPES.join(', ')}`);
    return undefined;
  }
  const type = body.type as (typeof ITERATION_TYPES)[number];
  checkKnownFields(body, [...ITERATION_COMMON_FIELDS, ...STEP_BODY_FIELDS[type]], bodyPath, errors);
  const iteration = validateStepBody(type, body, bodyPath, errors);
  const retry = has(body, 'retry') ? validateRetry(body.retry, childPath(bodyPath, 'retry'), errors) : undefined;
  const timeout = optionalDuration(body, 'timeout', bodyPath, errors, { positive: true });
  const compensate = has(body, 'compensate') ? validateCompensation(body.compensate, childPath(bodyPath, 'compensate'), errors) : undefined;
  if (errors.length > before || iteration === undefined) return undefined;
  const extras = compact({ retry, timeout, description: body.description, compensate });
  return { type: 'forEach', items, concurrency: concurrency as number, step: { ...extras, ...iteration } as IterationStepDefinition };
}

/** `cases: [{when, steps}]` (at least one) and an optional `default: [steps]`. */
function validateSwitch(step: Fields, path: string, errors: FieldError[]): StepBody | undefined {
  const casesPath = childPath(path, 'cases');
  if (!Array.isArray(step.cases) || step.cases.length === 0) {
    report(errors, casesPath, 'a switch needs cases: a non-empty list of {when, steps}');
    return undefined;
  }
  const cases = step.cases.map((raw: unknown, index) => {
    const casePath = childPath(casesPath, index);
    if (!isRecord(raw)) {
      report(errors, casePath, 'a case must be an object {when, steps}');
      return undefined;
    }
    checkKnownFields(raw, ['when', 'steps'], casePath, errors);
    const when = requiredString(raw, 'when', casePath, errors, 'when is required: a bare expression, e.g. input.total > 100');
    if (when !== undefined) errors.push(...conditionErrorsIn(when, childPath(casePath, 'when')));
    const steps = validateSteps(raw.steps, childPath(casePath, 'steps'), errors);
    return when === undefined || steps === undefined ? undefined : { when, steps };
  });
  const defaultSteps = has(step, 'default') ? validateSteps(step.default, childPath(path, 'default'), errors) : undefined;
  if (cases.some((c) => c === undefined) || (has(step, 'default') && defaultSteps === undefined)) return undefined;
  return { type: 'switch', cases: cases as SwitchStepDefinition['cases'], ...compact({ default: defaultSteps }) };
}

/** `branches: [{steps}]`, at least one. */
function validateParallel(step: Fields, path: string, errors: FieldError[]): StepBody | undefined {
  const branchesPath = childPath(path, 'branches');
  if (!Array.isArray(step.branches) || step.branches.length === 0) {
    report(errors, branchesPath, 'a parallel step needs branches: a non-empty list of {steps}');
    return undefined;
  }
  const branches = step.branches.map((raw: unknown, index) => {
    const branchPath = childPath(branchesPath, index);
    if (!isRecord(raw)) {
      report(errors, branchPath, 'a branch must be an object {steps}');
      return undefined;
    }
    checkKnownFields(raw, ['steps'], branchPath, errors);
    const steps = validateSteps(raw.steps, childPath(branchPath, 'steps'), errors);
    return steps === undefined ? undefined : { steps };
  });
  const mode = optionalString(step, 'mode', path, errors);
  if (mode !== undefined && !(PARALLEL_MODES as readonly string[]).includes(mode)) {
    report(errors, childPath(path, 'mode'), `mode must be one of ${PARALLEL_MODES.join(', ')}`);
    return undefined;
  }
  return branches.every((b) => b !== undefined)
    ? {
        type: 'parallel',
        branches: branches as ParallelStepDefinition['branches'],
        ...compact({ mode: mode as ParallelStepDefinition['mode'] }),
      }
    : undefined;
}

/** Exactly one of `duration` (fixed) and `until` (a template giving an instant). */
function validateDelay(step: Fields, path: string, errors: FieldError[]): StepBody | undefined {
  const duration = optionalDuration(step, 'duration', path, errors, { positive: true });
  const until = optionalTemplate(step, 'until', path, errors);
  if (has(step, 'duration') === has(step, 'until')) {
    report(errors, path, 'a delay step needs exactly one of duration (e.g. 30s) or until (an ISO-8601 instant)');
    return undefined;
  }
  return { type: 'delay', ...compact({ duration, until }) };
}

function validateApproval(step: Fields, path: string, errors: FieldError[]): StepBody | undefined {
  const defaultDecision = optionalString(step, 'defaultDecision', path, errors);
  if (defaultDecision !== undefined && !APPROVAL_DECISIONS.includes(defaultDecision)) {
    report(errors, childPath(path, 'defaultDecision'), `defaultDecision must be one of ${APPROVAL_DECISIONS.join(', ')}`);
    return undefined;
  }
  if (defaultDecision !== undefined && !has(step, 'timeout')) {
    report(errors, childPath(path, 'defaultDecision'), 'defaultDecision applies when the timeout passes; set a timeout too');
  }
  return { type: 'approval', ...compact({ defaultDecision: defaultDecision as 'approved' | 'rejected' | undefined }) };
}

function validateHttp(step: Fields, path: string, errors: FieldError[]): StepBody | undefined {
  const withPath = childPath(path, 'with');
  if (!has(step, 'with')) {
    report(errors, withPath, 'with is required for http steps');
    return undefined;
  }
  const spec = step.with;
  if (!isRecord(spec)) {
    report(errors, withPath, 'with must be an object');
    return undefined;
  }
  checkKnownFields(spec, HTTP_WITH_FIELDS, withPath, errors);
  const method = checkMethod(spec, withPath, errors);
  const url = requiredString(spec, 'url', withPath, errors);
  if (url !== undefined) {
    checkUrlTemplate(url, childPath(withPath, 'url'), errors);
  }
  const headers = optionalStringMap(spec, 'headers', withPath, errors);
  const body = optionalTemplate(spec, 'body', withPath, errors);
  const timeout = optionalDuration(spec, 'timeout', withPath, errors, { positive: true });
  if (method === undefined || url === undefined) {
    return undefined;
  }
  return { type: 'http', with: compact({ method, url, headers, body, timeout }) };
}

/** Methods are case-insensitive in definitions and normalised to upper case. */
function checkMethod(spec: Fields, path: string, errors: FieldError[]): string | undefined {
  const method = requiredString(spec, 'method', path, errors);
  if (method === undefined) {
    return undefined;
  }
  const upper = method.toUpperCase();
  if (!HTTP_METHODS.includes(upper)) {
    report(errors, childPath(path, 'method'), `unsupported method '${method}'; expected one of ${HTTP_METHODS.join(', ')}`);
    return undefined;
  }
  return upper;
}

function validatePublish(step: Fields, path: string, errors: FieldError[]): StepBody | undefined {
  const subject = requiredString(step, 'subject', path, errors, 'subject is required for publish steps');
  if (subject !== undefined && !isNatsSubject(subject)) {
    report(
      errors,
      childPath(path, 'subject'),
      `invalid subject '${subject}'; expected dot-separated non-empty tokens without spaces, '*' or '>'`,
    );
  } else if (subject !== undefined && isInternalSubject(subject)) {
    report(
      errors,
      childPath(path, 'subject'),
      `subject '${subject}' is internal to Baton; publish to baton.events.<type> or your own subjects`,
    );
  }
  const eventType = optionalString(step, 'eventType', path, errors);
  if (eventType !== undefined && !EVENT_TYPE_PATTERN.test(eventType)) {
    report(errors, childPath(path, 'eventType'), `invalid eventType '${eventType}'; expected e.g. order.created`);
  }
  const data = optionalTemplate(step, 'data', path, errors);
  if (subject === undefined) {
    return undefined;
  }
  return compact({ type: 'publish' as const, subject, eventType, data });
}

function validateTask(step: Fields, path: string, errors: FieldError[]): StepBody | undefined {
  const taskType = requiredString(step, 'taskType', path, errors, 'taskType is required for task steps');
  const taskTypePath = childPath(path, 'taskType');
  if (taskType !== undefined && !TASK_TYPE_PATTERN.test(taskType)) {
    report(errors, taskTypePath, `taskType must match ${TASK_TYPE_PATTERN.source} (lowercase letters, digits and '-')`);
  } else if (taskType !== undefined && RESERVED_TASK_TYPES.includes(taskType)) {
    report(errors, taskTypePath, `taskType '${taskType}' is reserved for the built-in ${taskType} step type`);
  }
  const input = optionalTemplate(step, 'input', path, errors);
  if (taskType === undefined) {
    return undefined;
  }
  return compact({ type: 'task' as const, taskType, input });
}

function validateTransform(step: Fields, path: string, errors: FieldError[]): StepBody | undefined {
  if (!has(step, 'output')) {
    report(errors, childPath(path, 'output'), 'output is required for transform steps');
    return undefined;
  }
  return { type: 'transform', output: optionalTemplate(step, 'output', path, errors) };
}
