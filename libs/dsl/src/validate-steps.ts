import { MAX_STEPS, RESERVED_STEP_IDS, STEP_ID_PATTERN } from './definition.constants';
import {
  COMPENSATION_TYPES,
  STEP_TYPES,
  type CompensationDefinition,
  type CatchRoute,
  type CompensationType,
  type FieldError,
  type StepDefinition,
  type StepType,
} from './definition.types';
import { childPath } from './field-path';
import { effectiveNeeds, findCycles, formatCycle, type GraphNode } from './step-graph';
import { STEP_BODY_FIELDS, validateStepBody } from './validate-step-bodies';
import { checkErrorCodes, validateRetry } from './validate-retry';
import { type Fields, checkKnownFields, compact, has, isRecord, optionalDuration, optionalString, report } from './validation-helpers';

const COMMON_STEP_FIELDS = ['id', 'type', 'description', 'needs', 'retry', 'timeout', 'compensate', 'catch'];

/** The `steps` list: every step, id uniqueness, `needs` references and cycles. */
export function validateSteps(value: unknown, path: string, errors: FieldError[]): StepDefinition[] | undefined {
  if (value === undefined) {
    report(errors, path, 'steps is required');
    return undefined;
  }
  if (!Array.isArray(value)) {
    report(errors, path, 'steps must be an array');
    return undefined;
  }
  if (value.length === 0) {
    report(errors, path, 'steps must not be empty');
    return undefined;
  }
  if (value.length > MAX_STEPS) {
    report(errors, path, `too many steps (${value.length}); at most ${MAX_STEPS} are allowed`);
    return undefined;
  }
  const before = errors.length;
  const firstIndexById = indexStepIds(value, path, errors);
  const steps = value.map((raw, index) => validateStep(raw, childPath(path, index), firstIndexById, errors));
  const handlers = catchTargets(value, firstIndexById);
  checkHandlersHaveNoNeeds(value, handlers, path, errors);
  reportCycles(value, firstIndexById, handlers, path, errors);
  const valid = steps.filter((step): step is StepDefinition => step !== undefined);
  return errors.length === before && valid.length === steps.length ? valid : undefined;
}

/**
 * Step ids are unique across the whole definition, nested steps included (DESIGN.md §4). Each
 * list checks its own duplicates; this reports an id used again in a different list.
 */
export function duplicateIdsAcrossLists(rawSteps: unknown, path = 'steps'): FieldError[] {
  const seen = new Map<string, { path: string; list: string }>();
  const errors: FieldError[] = [];
  const visit = (list: unknown, listPath: string): void => {
    if (!Array.isArray(list)) return;
    list.forEach((raw, index) => {
      const stepPath = childPath(listPath, index);
      const id = wellFormedId(raw);
      const first = id === undefined ? undefined : seen.get(id);
      if (id !== undefined && first === undefined) seen.set(id, { path: stepPath, list: listPath });
      if (id !== undefined && first !== undefined && first.list !== listPath) {
        errors.push({ path: childPath(stepPath, 'id'), message: `duplicate step id '${id}' (first at ${first.path})` });
      }
      if (!isRecord(raw)) return;
      if (Array.isArray(raw.cases))
        raw.cases.forEach((c: unknown, i) => isRecord(c) && visit(c.steps, childPath(childPath(childPath(stepPath, 'cases'), i), 'steps')));
      if (has(raw, 'default')) visit(raw.default, childPath(stepPath, 'default'));
      if (Array.isArray(raw.branches))
        raw.branches.forEach(
          (b: unknown, i) => isRecord(b) && visit(b.steps, childPath(childPath(childPath(stepPath, 'branches'), i), 'steps')),
        );
    });
  };
  visit(rawSteps, path);
  return errors;
}

/** Well-formed ids and where each first appears; later duplicates are reported there. */
function indexStepIds(steps: readonly unknown[], path: string, errors: FieldError[]): Map<string, number> {
  const firstIndexById = new Map<string, number>();
  steps.forEach((raw, index) => {
    const id = wellFormedId(raw);
    if (id === undefined) {
      return;
    }
    const first = firstIndexById.get(id);
    if (first === undefined) {
      firstIndexById.set(id, index);
    } else {
      report(errors, childPath(childPath(path, index), 'id'), `duplicate step id '${id}' (first at ${childPath(path, first)})`);
    }
  });
  return firstIndexById;
}

function wellFormedId(raw: unknown): string | undefined {
  if (!isRecord(raw) || typeof raw.id !== 'string') {
    return undefined;
  }
  return STEP_ID_PATTERN.test(raw.id) && !RESERVED_STEP_IDS.includes(raw.id) ? raw.id : undefined;
}

function validateStep(raw: unknown, path: string, knownIds: ReadonlyMap<string, number>, errors: FieldError[]): StepDefinition | undefined {
  if (!isRecord(raw)) {
    report(errors, path, 'step must be an object');
    return undefined;
  }
  const before = errors.length;
  const id = checkId(raw, path, errors);
  const type = checkType(raw, path, errors);
  if (type !== undefined) {
    checkKnownFields(raw, [...COMMON_STEP_FIELDS, ...STEP_BODY_FIELDS[type]], path, errors);
  }
  const description = optionalString(raw, 'description', path, errors);
  const needs = checkNeeds(raw, id, path, knownIds, errors);
  const retry = has(raw, 'retry') ? validateRetry(raw.retry, childPath(path, 'retry'), errors) : undefined;
  const timeout = optionalDuration(raw, 'timeout', path, errors, { positive: true });
  const body = type === undefined ? undefined : validateStepBody(type, raw, path, errors);
  const compensate = has(raw, 'compensate') ? validateCompensation(raw.compensate, childPath(path, 'compensate'), errors) : undefined;
  const routes = has(raw, 'catch') ? validateCatch(raw.catch, id, childPath(path, 'catch'), knownIds, errors) : undefined;
  if (errors.length > before || id === undefined || body === undefined) {
    return undefined;
  }
  return compact({ id, description, needs, retry, timeout, compensate, catch: routes, ...body });
}

/** `catch: [{errors?, next}]`: each route names another step of the definition as its handler. */
function validateCatch(
  raw: unknown,
  id: string | undefined,
  path: string,
  knownIds: ReadonlyMap<string, number>,
  errors: FieldError[],
): CatchRoute[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) {
    report(errors, path, 'catch must be a non-empty list of {errors?, next}');
    return undefined;
  }
  const routes = raw.map((route: unknown, index): CatchRoute | undefined => {
    const routePath = childPath(path, index);
    if (!isRecord(route)) {
      report(errors, routePath, 'a catch route must be an object {errors?, next}');
      return undefined;
    }
    checkKnownFields(route, ['errors', 'next'], routePath, errors);
    const next = route.next;
    if (typeof next !== 'string' || !knownIds.has(next)) {
      report(
        errors,
        childPath(routePath, 'next'),
        `next must name a step of this definition${typeof next === 'string' ? `; there is no step '${next}'` : ''}`,
      );
      return undefined;
    }
    if (next === id) {
      report(errors, childPath(routePath, 'next'), 'a step cannot catch its own error');
      return undefined;
    }
    const codes = has(route, 'errors') ? checkErrorCodes(route.errors, childPath(routePath, 'errors'), errors) : undefined;
    return compact({ errors: codes, next });
  });
  return routes.every((route) => route !== undefined) ? (routes as CatchRoute[]) : undefined;
}

/** Steps named by any `catch` route, read from the raw steps so a step with other errors still counts. */
function catchTargets(rawSteps: readonly unknown[], knownIds: ReadonlyMap<string, number>): Set<string> {
  const targets = rawSteps.flatMap((raw) =>
    isRecord(raw) && Array.isArray(raw.catch) ? raw.catch.map((route: unknown) => (isRecord(route) ? route.next : undefined)) : [],
  );
  return new Set(targets.filter((next): next is string => typeof next === 'string' && knownIds.has(next)));
}

/** A handler starts when an error is routed to it; `needs` would contradict that. */
function checkHandlersHaveNoNeeds(rawSteps: readonly unknown[], handlers: ReadonlySet<string>, path: string, errors: FieldError[]): void {
  rawSteps.forEach((raw, index) => {
    const id = wellFormedId(raw);
    if (id !== undefined && handlers.has(id) && isRecord(raw) && has(raw, 'needs')) {
      report(
        errors,
        childPath(childPath(path, index), 'needs'),
        `'${id}' is a catch handler: it starts when an error is routed to it and cannot have needs`,
      );
    }
  });
}

/** A compensation is the body of an http, publish or task step, with an optional retry of its own. */
export function validateCompensation(raw: unknown, path: string, errors: FieldError[]): CompensationDefinition | undefined {
  if (!isRecord(raw)) {
    report(errors, path, `compensate must be an object with a type (${COMPENSATION_TYPES.join(', ')})`);
    return undefined;
  }
  const type = raw.type;
  if (typeof type !== 'string' || !(COMPENSATION_TYPES as readonly string[]).includes(type)) {
    report(errors, childPath(path, 'type'), `compensate type must be one of ${COMPENSATION_TYPES.join(', ')}`);
    return undefined;
  }
  const compensationType = type as CompensationType;
  checkKnownFields(raw, ['type', 'retry', ...STEP_BODY_FIELDS[compensationType]], path, errors);
  const retry = has(raw, 'retry') ? validateRetry(raw.retry, childPath(path, 'retry'), errors) : undefined;
  const body = validateStepBody(compensationType, raw, path, errors);
  return body === undefined ? undefined : ({ ...body, ...compact({ retry }) } as CompensationDefinition);
}

function checkId(step: Fields, path: string, errors: FieldError[]): string | undefined {
  const idPath = childPath(path, 'id');
  const id = step.id;
  if (id === undefined) {
    report(errors, idPath, 'id is required');
  } else if (typeof id !== 'string' || !STEP_ID_PATTERN.test(id)) {
    report(errors, idPath, `id must match ${STEP_ID_PATTERN.source} (letters, digits, '_' and '-', at most 100)`);
  } else if (RESERVED_STEP_IDS.includes(id)) {
    report(errors, idPath, `step id '${id}' is reserved`);
  } else {
    return id;
  }
  return undefined;
}

function checkType(step: Fields, path: string, errors: FieldError[]): StepType | undefined {
  const typePath = childPath(path, 'type');
  const type = step.type;
  const expected = `expected one of ${STEP_TYPES.join(', ')}`;
  if (type === undefined) {
    report(errors, typePath, `type is required; ${expected}`);
    return undefined;
  }
  if (typeof type !== 'string' || !(STEP_TYPES as readonly string[]).includes(type)) {
    report(errors, typePath, `unknown step type '${String(type)}'; ${expected}`);
    return undefined;
  }
  return type as StepType;
}

function checkNeeds(
  step: Fields,
  id: string | undefined,
  path: string,
  knownIds: ReadonlyMap<string, number>,
  errors: FieldError[],
): string[] | undefined {
  if (!has(step, 'needs')) {
    return undefined;
  }
  const needsPath = childPath(path, 'needs');
  if (!Array.isArray(step.needs)) {
    report(errors, needsPath, 'needs must be an array of step ids');
    return undefined;
  }
  const seen = new Set<string>();
  step.needs.forEach((need: unknown, index) => {
    const needPath = childPath(needsPath, index);
    if (typeof need !== 'string') {
      report(errors, needPath, 'needs entries must be step ids (strings)');
    } else if (need === id) {
      report(errors, needPath, `step '${need}' cannot need itself`);
    } else if (!knownIds.has(need)) {
      report(errors, needPath, `unknown step '${need}' in needs`);
    } else if (seen.has(need)) {
      report(errors, needPath, `duplicate step '${need}' in needs`);
    }
    if (typeof need === 'string') {
      seen.add(need);
    }
  });
  return step.needs as string[];
}

/**
 * Cycles are searched over the references that are otherwise valid (known ids, not self),
 * including the implicit "previous step" edges, which can close a cycle too.
 */
function reportCycles(
  rawSteps: readonly unknown[],
  firstIndexById: ReadonlyMap<string, number>,
  handlers: ReadonlySet<string>,
  path: string,
  errors: FieldError[],
): void {
  const nodes = graphNodes(rawSteps, firstIndexById);
  for (const { at, cycle } of findCycles(effectiveNeeds(nodes, handlers))) {
    const index = firstIndexById.get(at) ?? 0;
    const stepPath = childPath(path, index);
    const raw = rawSteps[index];
    const explicit = isRecord(raw) && has(raw, 'needs');
    const message = explicit ? formatCycle(cycle) : `${formatCycle(cycle)} ('${at}' has no needs, so it follows the previous step)`;
    report(errors, explicit ? childPath(stepPath, 'needs') : stepPath, message);
  }
}

function graphNodes(rawSteps: readonly unknown[], firstIndexById: ReadonlyMap<string, number>): GraphNode[] {
  const idAt = (index: number): string | undefined => {
    const id = wellFormedId(rawSteps[index]);
    return id !== undefined && firstIndexById.get(id) === index ? id : undefined;
  };
  const nodes: GraphNode[] = [];
  rawSteps.forEach((raw, index) => {
    const id = idAt(index);
    if (id === undefined || !isRecord(raw)) {
      return;
    }
    nodes.push({ id, needs: has(raw, 'needs') ? usableNeeds(raw.needs, id, firstIndexById) : implicitNeeds(idAt(index - 1)) });
  });
  return nodes;
}

/** Spelled out rather than left to `effectiveNeeds`, because skipped malformed steps would shift "previous". */
function implicitNeeds(previousId: string | undefined): string[] {
  return previousId === undefined ? [] : [previousId];
}

function usableNeeds(needs: unknown, id: string, firstIndexById: ReadonlyMap<string, number>): string[] {
  if (!Array.isArray(needs)) {
    return [];
  }
  return needs.filter((need: unknown): need is string => typeof need === 'string' && need !== id && firstIndexById.has(need));
}
