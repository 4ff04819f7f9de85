import { WORKFLOW_NAME_PATTERN } from './definition.constants';
import type { ConcurrencyDefinition, FieldError, SlaDefinition, WorkflowDefinition } from './definition.types';
import { inputSchemaErrors } from './input-schema';
import { misplacedSecretErrors } from './secret-templates';
import { buildStepGraph, type StepGraph } from './step-graph';
import { validateNotifications } from './validate-notifications';
import { duplicateIdsAcrossLists, validateSteps } from './validate-steps';
import { validateTriggers } from './validate-triggers';
import {
  type Fields,
  checkKnownFields,
  compact,
  has,
  isRecord,
  optionalBoolean,
  optionalDuration,
  optionalString,
  optionalTemplate,
  report,
  requiredString,
} from './validation-helpers';

export type DefinitionValidation = { ok: true; definition: WorkflowDefinition; graph: StepGraph } | { ok: false; errors: FieldError[] };

const DOCUMENT_FIELDS = [
  'name',
  'description',
  'input',
  'triggers',
  'timeout',
  'steps',
  'output',
  'notifications',
  'compensateOnCancel',
  'concurrency',
  'sla',
];
const MAX_CONCURRENCY_LIMIT = 10_000;
const DEFAULT_AT_RISK_PROBABILITY = 0.5;

/**
 * Checks a parsed document against the workflow language (DESIGN.md §3) and reports every
 * problem at once, each with the path of the culprit. On success returns the normalised
 * definition (defaults filled in) and its step graph.
 */
export function validateDefinition(document: unknown): DefinitionValidation {
  if (!isRecord(document)) {
    return { ok: false, errors: [{ path: '', message: 'definition must be an object' }] };
  }
  const errors: FieldError[] = [];
  checkKnownFields(document, DOCUMENT_FIELDS, '', errors);
  const name = checkName(document, errors);
  const description = optionalString(document, 'description', '', errors);
  const input = checkInputSchema(document, errors);
  const triggers = has(document, 'triggers') ? validateTriggers(document.triggers, 'triggers', errors) : undefined;
  const timeout = optionalDuration(document, 'timeout', '', errors, { positive: true });
  const steps = validateSteps(document.steps, 'steps', errors);
  errors.push(...duplicateIdsAcrossLists(document.steps));
  const output = optionalTemplate(document, 'output', '', errors);
  const notifications = has(document, 'notifications') ? validateNotifications(document.notifications, 'notifications', errors) : undefined;
  const compensateOnCancel = optionalBoolean(document, 'compensateOnCancel', '', errors);
  const concurrency = has(document, 'concurrency') ? checkConcurrency(document.concurrency, errors) : undefined;
  const sla = has(document, 'sla') ? checkSla(document.sla, errors) : undefined;
  errors.push(...misplacedSecretErrors(document));
  if (errors.length > 0 || name === undefined || steps === undefined) {
    return { ok: false, errors };
  }
  const definition = compact({
    name,
    description,
    input,
    triggers,
    timeout,
    steps,
    output,
    notifications,
    compensateOnCancel,
    concurrency,
    sla,
  });
  return { ok: true, definition, graph: buildStepGraph(definition) };
}

function checkConcurrency(value: unknown, errors: FieldError[]): ConcurrencyDefinition | undefined {
  if (!isRecord(value)) {
    report(errors, 'concurrency', 'concurrency must be an object {key, limit}');
    return undefined;
  }
  checkKnownFields(value, ['key', 'limit'], 'concurrency', errors);
  const before = errors.length;
  if (!has(value, 'key')) report(errors, 'concurrency.key', 'key is required, e.g. "${ input.customerId }"');
  const key = optionalTemplate(value, 'key', 'concurrency', errors);
  const limit = value.limit;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_CONCURRENCY_LIMIT) {
    report(errors, 'concurrency.limit', `limit must be an integer from 1 to ${MAX_CONCURRENCY_LIMIT}`);
  }
  return errors.length === before ? { key, limit: limit as number } : undefined;
}

/** `sla: 10m`, or `sla: {duration: 10m, atRiskProbability: 0.7}`. */
function checkSla(value: unknown, errors: FieldError[]): SlaDefinition | undefined {
  const fields = typeof value === 'string' ? { duration: value } : value;
  if (!isRecord(fields)) {
    report(errors, 'sla', 'sla must be a duration (e.g. 10m) or an object {duration, atRiskProbability}');
    return undefined;
  }
  checkKnownFields(fields, ['duration', 'atRiskProbability'], 'sla', errors);
  if (!has(fields, 'duration')) report(errors, 'sla.duration', 'duration is required, e.g. 10m');
  const duration = optionalDuration(fields, 'duration', 'sla', errors, { positive: true });
  const probability = fields.atRiskProbability ?? DEFAULT_AT_RISK_PROBABILITY;
  if (typeof probability !== 'number' || !(probability > 0 && probability <= 1)) {
    report(errors, 'sla.atRiskProbability', 'atRiskProbability must be a number above 0 and at most 1');
    return undefined;
  }
  return duration === undefined ? undefined : { duration, atRiskProbability: probability };
}

function checkName(document: Fields, errors: FieldError[]): string | undefined {
  const name = requiredString(document, 'name', '', errors);
  if (name !== undefined && !WORKFLOW_NAME_PATTERN.test(name)) {
    report(
      errors,
      'name',
      `name must match ${WORKFLOW_NAME_PATTERN.source} (lowercase letters, digits and '-', starting with a letter or digit, at most 100 characters)`,
    );
    return undefined;
  }
  return name;
}

function checkInputSchema(document: Fields, errors: FieldError[]): Record<string, unknown> | undefined {
  if (!has(document, 'input')) {
    return undefined;
  }
  if (!isRecord(document.input)) {
    report(errors, 'input', 'input must be an object (a JSON Schema for the run input)');
    return undefined;
  }
  const schemaErrors = inputSchemaErrors(document.input, 'input');
  errors.push(...schemaErrors);
  return schemaErrors.length === 0 ? document.input : undefined;
}
