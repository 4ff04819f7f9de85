import { inputViolations, type StepGraph, type WorkflowDefinition } from '@baton/dsl';
import {
  compensatedStepOf,
  compensationFailed,
  completeCompensation,
  continueCompensation,
  isCompensationTarget,
  startCompensation,
} from './compensation';
import { emit, instantAfter, record } from './decision-context';
import { onEventReceived } from './event-waits';
import type { DecisionContext } from './decision-context';
import { RUN_TIMER, type Decision, type RunEvent, type RunState, type SignalPayload } from './run-state';
import { advanceRun, cancelRun, pauseRun, resumeRun, retryRun, settleFailedStep, startRun, timeOutRun } from './run-transitions';
import { attemptTimeoutMs, attemptTimerGraceMs, cancelMootTimers, isTerminal } from './timers';
import { canRetry, completeStep, definitionOf, failStep, scheduleRetry, startStep } from './step-transitions';
import { cancelAbandonedChildren, reportToParent } from './sub-workflows';

type TaskResultEvent = Extract<RunEvent, { type: 'TaskCompleted' | 'TaskFailed' }>;
type StepDueEvent = Extract<RunEvent, { type: 'RetryDue' | 'TimerDue' }>;

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
 * An event that no longer applies (a duplicate or stale result, a timer for an attempt that will
 * not run, a signal nobody waits for) changes nothing and only leaves a `StaleResultIgnored`
 * record (DESIGN.md §5).
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
  cancelMootTimers(ctx, args.state);
  cancelAbandonedChildren(ctx, args.state, args.event);
  reportToParent(ctx, args.state);
  return { state: ctx.state, commands: ctx.commands, history: ctx.history };
}

async function apply(ctx: DecisionContext, event: RunEvent): Promise<void> {
  switch (event.type) {
    case 'RunStarted':
      return onRunStarted(ctx);
    case 'TaskHeartbeat':
      return onHeartbeat(ctx, event);
    case 'TaskCompleted':
    case 'TaskFailed':
      return isCompensationTarget(event.stepId) ? onCompensationResult(ctx, event) : onTaskResult(ctx, event);
    case 'RetryDue':
      return isCompensationTarget(event.stepId) ? onCompensationRetryDue(ctx, event) : onRetryDue(ctx, event);
    case 'TimerDue':
      return onTimerDue(ctx, event);
    case 'EventReceived':
      return onEventReceived(ctx, event);
    case 'SignalReceived':
      return onSignal(ctx, event.name, event.payload);
    case 'CancelRequested':
      return onCancel(ctx, event);
    case 'RetryRequested':
      if (inputViolations(ctx.definition.input, ctx.state.input).length > 0) {
        return ignore(ctx, event, "its input does not match the workflow's input schema; start a new run with a valid input");
      }
      // A run whose saga undid something cannot resume: its completed steps no longer hold.
      if (ctx.state.status !== 'failed' || Object.values(ctx.state.steps).some((s) => s.status === 'compensated')) {
        return ignore(
          ctx,
          event,
          ctx.state.status === 'failed'
            ? 'its compensations ran; a compensated run cannot resume'
            : `run is ${ctx.state.status}, not failed`,
        );
      }
      return retryRun(ctx);
    case 'PauseRequested':
      return ctx.state.status === 'running' ? pauseRun(ctx) : ignore(ctx, event, `run is ${ctx.state.status}, not running`);
    case 'ResumeRequested':
      return ctx.state.status === 'paused' ? resumeRun(ctx) : ignore(ctx, event, `run is ${ctx.state.status}, not paused`);
  }
}

async function onRunStarted(ctx: DecisionContext): Promise<void> {
  if (ctx.state.status !== 'pending') {
    ignore(ctx, { type: 'RunStarted' }, `run is already ${ctx.state.status}`);
    return;
  }
  await startRun(ctx);
}

/**
 * A step's attempt ended. While the run compensates, a late result is only recorded (a completed
 * step joins the compensation queue) and the run does not move forward.
 */
async function onTaskResult(ctx: DecisionContext, event: TaskResultEvent): Promise<void> {
  const staleBecause = whyResultIsStale(ctx.state, event);
  if (staleBecause !== undefined) {
    ignore(ctx, event, staleBecause);
    return;
  }
  const compensating = ctx.state.status === 'compensating';
  if (event.type === 'TaskCompleted') {
    completeStep(ctx, event.stepId, event.output);
    await (compensating ? continueCompensation(ctx) : advanceRun(ctx));
    return;
  }
  if (!compensating && canRetry(ctx, event.stepId, event.error)) {
    scheduleRetry(ctx, event.stepId, event.error);
    return;
  }
  failStep(ctx, event.stepId, event.error);
  await (compensating ? continueCompensation(ctx) : settleFailedStep(ctx, event.stepId));
}

/** Moves the running attempt's deadline out; a heartbeat for anything else changes nothing (and records nothing). */
function onHeartbeat(ctx: DecisionContext, event: Extract<RunEvent, { type: 'TaskHeartbeat' }>): void {
  const step = ctx.state.steps[event.stepId];
  if (isTerminal(ctx.state) || step?.status !== 'running' || step.attempts !== event.attempt) return;
  const definition = definitionOf(ctx, event.stepId);
  const grace = attemptTimerGraceMs(definition);
  if (grace === undefined) return;
  emit(ctx, { type: 'CancelTimer', stepId: event.stepId, attempt: event.attempt, kind: 'timer' });
  emit(ctx, {
    type: 'ScheduleTimer',
    stepId: event.stepId,
    attempt: event.attempt,
    dueAt: instantAfter(ctx, attemptTimeoutMs(definition) + grace),
  });
}

async function onRetryDue(ctx: DecisionContext, event: StepDueEvent): Promise<void> {
  // Paused: the step stays scheduled and starts when the run resumes.
  const staleBecause = ctx.state.status === 'paused' ? 'run is paused' : whyStepDueIsStale(ctx.state, event, 'scheduled', 1);
  if (staleBecause !== undefined) {
    ignore(ctx, event, staleBecause);
    return;
  }
  if ((await startStep(ctx, event.stepId)) === 'failed') {
    await settleFailedStep(ctx, event.stepId);
    return;
  }
  // The attempt may have completed inline, making more steps ready or finishing the run.
  await advanceRun(ctx);
}

/**
 * A timer fired: the run's deadline, a running attempt's deadline (a retryable failure), the end
 * of a `delay`, an `approval` out of time (its `defaultDecision` applies, if any) or a
 * `waitForEvent` that saw no matching event in time.
 */
async function onTimerDue(ctx: DecisionContext, event: StepDueEvent): Promise<void> {
  if (event.stepId === RUN_TIMER) {
    if (isTerminal(ctx.state) || ctx.state.status === 'compensating') return ignore(ctx, event, `run is ${ctx.state.status}`);
    if (event.attempt !== (ctx.state.deadlineTimer ?? 1)) return ignore(ctx, event, 'a newer deadline replaced this one');
    return timeOutRun(ctx);
  }
  const running = ctx.state.steps[event.stepId];
  if (running?.status === 'running' && running.attempts === event.attempt && !isTerminal(ctx.state)) {
    const timeout = definitionOf(ctx, event.stepId).timeout;
    record(ctx, { type: 'StepTimedOut', stepId: event.stepId, attempt: event.attempt });
    const message = `attempt ${event.attempt} timed out${timeout ? ` after ${timeout}` : ' (deadline passed)'}`;
    return onTaskResult(ctx, {
      type: 'TaskFailed',
      stepId: event.stepId,
      attempt: event.attempt,
      error: { message, retryable: true, code: 'timeout' },
    });
  }
  const staleBecause = whyStepDueIsStale(ctx.state, event, 'waiting', 0);
  if (staleBecause !== undefined) {
    ignore(ctx, event, staleBecause);
    return;
  }
  const definition = definitionOf(ctx, event.stepId);
  if (definition.type === 'approval') {
    const decision = definition.defaultDecision;
    if (decision === undefined) {
      await failWaitingStep(ctx, event.stepId, `no decision for approval '${event.stepId}' within ${definition.timeout}`, 'timeout');
      return;
    }
    await applyDecision(ctx, event.stepId, { decision, by: 'timeout' });
    return;
  }
  if (definition.type === 'waitForEvent') {
    await failWaitingStep(ctx, event.stepId, `no '${definition.event}' event matched within ${definition.timeout}`, 'timeout');
    return;
  }
  completeStep(ctx, event.stepId, { waitedUntil: ctx.at });
  await advanceRun(ctx);
}

/** A decision for the approval step named by the signal. */
async function onSignal(ctx: DecisionContext, name: string, payload: SignalPayload): Promise<void> {
  const step = Object.hasOwn(ctx.state.steps, name) ? ctx.state.steps[name] : undefined;
  const event = { type: 'SignalReceived' as const, name, payload };
  if (isTerminal(ctx.state)) return ignore(ctx, event, `run is ${ctx.state.status}`);
  if (!step || definitionOf(ctx, name).type !== 'approval') return ignore(ctx, event, `no approval step '${name}'`);
  if (step.status !== 'waiting') return ignore(ctx, event, `approval '${name}' is ${step.status}, not waiting`);
  await applyDecision(ctx, name, payload);
}

/** Applies an approval decision: approved completes the step with the decision as output; rejected fails it. */
async function applyDecision(ctx: DecisionContext, stepId: string, payload: SignalPayload): Promise<void> {
  if (payload.decision === 'approved') {
    completeStep(ctx, stepId, payload);
    await advanceRun(ctx);
    return;
  }
  ctx.state.steps[stepId].output = payload;
  const by = payload.by ? ` by ${payload.by}` : '';
  const comment = payload.comment ? `: ${payload.comment}` : '';
  await failWaitingStep(ctx, stepId, `approval '${stepId}' rejected${by}${comment}`, 'approval.rejected');
}

async function failWaitingStep(ctx: DecisionContext, stepId: string, message: string, code: string): Promise<void> {
  failStep(ctx, stepId, { message, retryable: false, code });
  await settleFailedStep(ctx, stepId);
}

async function onCancel(ctx: DecisionContext, event: Extract<RunEvent, { type: 'CancelRequested' }>): Promise<void> {
  if (isTerminal(ctx.state) || ctx.state.status === 'compensating') {
    ignore(ctx, event, `run is ${ctx.state.status}`);
    return;
  }
  await cancelRun(ctx, event.reason);
}

async function onCompensationResult(ctx: DecisionContext, event: TaskResultEvent): Promise<void> {
  const stepId = compensatedStepOf(event.stepId);
  const compensation = ctx.state.steps[stepId]?.compensation;
  if (ctx.state.status !== 'compensating' || compensation?.status !== 'running' || compensation.attempts !== event.attempt) {
    ignore(ctx, event, 'not the running compensation attempt');
    return;
  }
  if (event.type === 'TaskCompleted') await completeCompensation(ctx, stepId);
  else compensationFailed(ctx, stepId, event.error);
}

async function onCompensationRetryDue(ctx: DecisionContext, event: StepDueEvent): Promise<void> {
  const stepId = compensatedStepOf(event.stepId);
  const compensation = ctx.state.steps[stepId]?.compensation;
  if (ctx.state.status !== 'compensating' || compensation?.status !== 'scheduled' || compensation.attempts + 1 !== event.attempt) {
    ignore(ctx, event, 'not the scheduled compensation attempt');
    return;
  }
  await startCompensation(ctx, stepId);
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

/**
 * A retry timer starts the attempt it was set for (the next one, while the step is `scheduled`);
 * a step timer fires for the attempt that is `waiting`.
 */
function whyStepDueIsStale(state: RunState, event: StepDueEvent, expected: 'scheduled' | 'waiting', offset: number): string | undefined {
  if (isTerminal(state) || state.status === 'compensating') {
    return `run is ${state.status}`;
  }
  const step = Object.hasOwn(state.steps, event.stepId) ? state.steps[event.stepId] : undefined;
  if (step === undefined) {
    return 'unknown step';
  }
  if (step.status !== expected) {
    return `step is ${step.status}`;
  }
  if (event.attempt !== step.attempts + offset) {
    return `attempt ${event.attempt} is not the ${expected === 'scheduled' ? 'next' : 'waiting'} attempt ${step.attempts + offset}`;
  }
  return undefined;
}

function ignore(ctx: DecisionContext, event: RunEvent, reason: string): void {
  const target = 'stepId' in event ? { stepId: event.stepId, attempt: event.attempt } : {};
  record(ctx, { type: 'StaleResultIgnored', ...target, data: { event: event.type, reason } });
}
