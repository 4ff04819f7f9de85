import { TERMINAL_RUN_STATUSES } from '@baton/contracts';
import type { StepGraph, WorkflowDefinition } from '@baton/dsl';
import { record } from './decision-context';
import type { DecisionContext } from './decision-context';
import type { Decision, RunEvent, RunState } from './run-state';
import { advanceRun, failRunBecauseOfStep, startRun } from './run-transitions';
import { canRetry, completeStep, failStep, scheduleRetry, startStep } from './step-transitions';

type TaskResultEvent = Extract<RunEvent, { type: 'TaskCompleted' | 'TaskFailed' }>;
type RetryDueEvent = Extract<RunEvent, { type: 'RetryDue' }>;

export interface DecideArgs {
  definition: WorkflowDefinition;
  /** `buildStepGraph(definition)`, passed in so the service can build it once per definition version. */
  graph: StepGraph;
  state: RunState;
  event: RunEvent;
  now: Date;
}

/**
 * The coordinator's saga state machine (STYLE.md principle 2): given a run and what just
 * happened to it, returns the run's next state, the commands to carry out and the history to
 * append. Pure: no I/O, no clock but `now`, no randomness, and `args.state` is never changed,
 * so the same arguments always give the same decision and a run can be replayed.
 * An event that no longer applies (a duplicate or stale result, a retry timer for an attempt
 * that will not run) changes nothing and only leaves a `StaleResultIgnored` record (DESIGN.md §5).
 */
export async function decide(args: DecideArgs): Promise<Decision> {
  const ctx: DecisionContext = {
    definition: args.definition,
    graph: args.graph,
    state: structuredClone(args.state),
    now: args.now,
    at: args.now.toISOString(),
    commands: [],
    history: [],
  };
  await apply(ctx, args.event);
  return { state: ctx.state, commands: ctx.commands, history: ctx.history };
}

async function apply(ctx: DecisionContext, event: RunEvent): Promise<void> {
  switch (event.type) {
    case 'RunStarted':
      return onRunStarted(ctx);
    case 'TaskCompleted':
      return onTaskCompleted(ctx, event);
    case 'TaskFailed':
      return onTaskFailed(ctx, event);
    case 'RetryDue':
      return onRetryDue(ctx, event);
  }
}

async function onRunStarted(ctx: DecisionContext): Promise<void> {
  if (ctx.state.status !== 'pending') {
    ignore(ctx, { type: 'RunStarted' }, `run is already ${ctx.state.status}`);
    return;
  }
  startRun(ctx);
  await advanceRun(ctx);
}

async function onTaskCompleted(ctx: DecisionContext, event: Extract<RunEvent, { type: 'TaskCompleted' }>): Promise<void> {
  const staleBecause = whyResultIsStale(ctx.state, event);
  if (staleBecause !== undefined) {
    ignore(ctx, event, staleBecause);
    return;
  }
  completeStep(ctx, event.stepId, event.output);
  await advanceRun(ctx);
}

function onTaskFailed(ctx: DecisionContext, event: Extract<RunEvent, { type: 'TaskFailed' }>): void {
  const staleBecause = whyResultIsStale(ctx.state, event);
  if (staleBecause !== undefined) {
    ignore(ctx, event, staleBecause);
    return;
  }
  if (canRetry(ctx, event.stepId, event.error)) {
    scheduleRetry(ctx, event.stepId, event.error);
    return;
  }
  failStep(ctx, event.stepId, event.error);
  failRunBecauseOfStep(ctx, event.stepId);
}

async function onRetryDue(ctx: DecisionContext, event: RetryDueEvent): Promise<void> {
  const staleBecause = whyRetryIsStale(ctx.state, event);
  if (staleBecause !== undefined) {
    ignore(ctx, event, staleBecause);
    return;
  }
  if ((await startStep(ctx, event.stepId)) === 'failed') {
    failRunBecauseOfStep(ctx, event.stepId);
    return;
  }
  // The attempt may have completed inline, making more steps ready or finishing the run.
  await advanceRun(ctx);
}

/** Only the current attempt of a running step of a live run may move the run on. */
function whyResultIsStale(state: RunState, event: TaskResultEvent): string | undefined {
  if (isTerminal(state)) {
    return `run is ${state.status}`;
  }
  const step = Object.hasOwn(state.steps, event.stepId) ? state.steps[event.stepId] : undefined;
  if (step === undefined) {
    return 'unknown step';
  }
  if (step.status !== 'running') {
    return `step is ${step.status}`;
  }
  if (event.attempt !== step.attempts) {
    return `attempt ${event.attempt} is not the current attempt ${step.attempts}`;
  }
  return undefined;
}

/** A retry timer starts the attempt it was set for, and only while the step is still waiting for it. */
function whyRetryIsStale(state: RunState, event: RetryDueEvent): string | undefined {
  if (isTerminal(state)) {
    return `run is ${state.status}`;
  }
  const step = Object.hasOwn(state.steps, event.stepId) ? state.steps[event.stepId] : undefined;
  if (step === undefined) {
    return 'unknown step';
  }
  if (step.status !== 'scheduled') {
    return `step is ${step.status}`;
  }
  if (event.attempt !== step.attempts + 1) {
    return `attempt ${event.attempt} is not the next attempt ${step.attempts + 1}`;
  }
  return undefined;
}

function ignore(ctx: DecisionContext, event: RunEvent, reason: string): void {
  const target = 'stepId' in event ? { stepId: event.stepId, attempt: event.attempt } : {};
  record(ctx, { type: 'StaleResultIgnored', ...target, data: { event: event.type, reason } });
}

function isTerminal(state: RunState): boolean {
  return TERMINAL_RUN_STATUSES.includes(state.status);
}
