import type { WaitReason } from '@baton/contracts';
import { buildStepGraph, parseDuration } from '@baton/dsl';
import type { CompensationDefinition, StepDefinition, StepGraph, WorkflowDefinition } from '@baton/dsl';
import type { RunState, StepState } from './run-state';
import { iterationOf } from './step-transitions';
import { isTerminal } from './timers';

export interface ExplainWaitsOptions {
  /** The run's evaluated `concurrency.key`: only the run entity keeps it, not the engine's state. */
  concurrencyKey?: string;
  /** `buildStepGraph(definition)`, when the caller has it already. */
  graph?: StepGraph;
}

/**
 * What a run that has not ended is waiting for (`RunView.waitingFor`), read from its state and
 * definition alone: no I/O and no clock. Instants are given only where the state pins them down;
 * the step's `startedAt` is its first attempt's, so a wait begun again (a run retry) has none.
 */
export function explainWaits(state: RunState, definition: WorkflowDefinition, options: ExplainWaitsOptions = {}): WaitReason[] {
  if (isTerminal(state)) return [];
  if (state.status === 'pending') {
    const limit = definition.concurrency?.limit;
    return options.concurrencyKey !== undefined && limit !== undefined ? [{ kind: 'concurrency', key: options.concurrencyKey, limit }] : [];
  }
  const graph = options.graph ?? buildStepGraph(definition);
  const paused = state.status === 'paused';
  const steps = Object.values(state.steps).flatMap((step) => {
    const stepDefinition = stepDefinitionOf(graph, step.id);
    // A read must not fail over its explanation: a step the pinned definition does not know gives no reason.
    if (stepDefinition === undefined) return [];
    return [...stepWaits(step, stepDefinition, paused), ...compensationWaits(step, stepDefinition.compensate)];
  });
  return paused ? [{ kind: 'paused' }, ...steps] : steps;
}

function stepWaits(step: StepState, definition: StepDefinition, paused: boolean): WaitReason[] {
  const stepId = step.id;
  switch (step.status) {
    case 'scheduled':
      // A retry that falls due while the run is paused is ignored; the run's resume starts it.
      return paused ? [] : [{ kind: 'timer', stepId, reason: 'retry' }];
    case 'waiting':
      return waitingStepWaits(step, definition);
    case 'running':
      return runningStepWaits(step, definition);
    default:
      return [];
  }
}

function waitingStepWaits(step: StepState, definition: StepDefinition): WaitReason[] {
  const stepId = step.id;
  switch (definition.type) {
    case 'delay':
      return [{ kind: 'timer', stepId, reason: 'delay', ...optional('until', delayUntil(step, definition.duration, definition.until)) }];
    case 'approval':
      return [{ kind: 'approval', stepId, signal: stepId, ...optional('timeoutAt', firstAttemptDeadline(step, definition.timeout)) }];
    case 'waitForEvent':
      return [
        {
          kind: 'event',
          stepId,
          eventType: definition.event,
          ...optional('match', definition.match),
          ...optional('timeoutAt', firstAttemptDeadline(step, definition.timeout)),
        },
      ];
    default:
      return [];
  }
}

function runningStepWaits(step: StepState, definition: StepDefinition): WaitReason[] {
  const stepId = step.id;
  const attempt = step.attempts;
  switch (definition.type) {
    case 'task':
      return [{ kind: 'worker', stepId, taskType: definition.taskType, attempt }];
    case 'http':
    case 'publish':
      return [{ kind: 'executor', stepId, stepType: definition.type, attempt }];
    case 'subWorkflow':
      return step.childRunId === undefined ? [] : [{ kind: 'child', stepId, childRunId: step.childRunId }];
    default:
      // Containers do no work of their own: the steps inside them give the reasons.
      return [];
  }
}

function compensationWaits(step: StepState, compensate: CompensationDefinition | undefined): WaitReason[] {
  const { compensation } = step;
  if (compensation === undefined || compensate === undefined) return [];
  const stepId = step.id;
  if (compensation.status === 'scheduled') return [{ kind: 'timer', stepId, reason: 'retry', compensation: true }];
  if (compensation.status !== 'running') return [];
  const attempt = compensation.attempts;
  return compensate.type === 'task'
    ? [{ kind: 'worker', stepId, taskType: compensate.taskType, attempt, compensation: true }]
    : [{ kind: 'executor', stepId, stepType: compensate.type, attempt, compensation: true }];
}

/**
 * A literal `until` is the instant itself, whatever the attempt; one computed by an expression is
 * not evaluated again, since the scope it was evaluated against may have changed since.
 */
function delayUntil(step: StepState, duration: string | undefined, until: unknown): string | undefined {
  if (duration !== undefined) return firstAttemptDeadline(step, duration);
  // The step would have failed to start had a literal `until` not been a valid instant.
  return typeof until === 'string' && !until.includes('${') ? new Date(until).toISOString() : undefined;
}

/** `duration` after the step started, as the step type computed it, when the state still holds that start. */
function firstAttemptDeadline(step: StepState, duration: string | undefined): string | undefined {
  if (duration === undefined || step.startedAt === undefined || step.attempts !== 1) return undefined;
  const ms = parseDuration(duration);
  return ms === undefined ? undefined : new Date(new Date(step.startedAt).getTime() + ms).toISOString();
}

/** A forEach item runs the forEach's `step`; every other step is in the graph, nested ones included. */
function stepDefinitionOf(graph: StepGraph, stepId: string): StepDefinition | undefined {
  const iteration = iterationOf(stepId);
  const id = iteration?.forEachId ?? stepId;
  const definition = Object.hasOwn(graph.steps, id) ? graph.steps[id] : undefined;
  if (iteration === undefined) return definition;
  return definition?.type === 'forEach' ? ({ ...definition.step, id: stepId } as StepDefinition) : undefined;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
