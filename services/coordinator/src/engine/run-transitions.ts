import type { RunError } from '@baton/contracts';
import { catchRouteFor, evaluateTemplate, ExpressionError, inputViolations, readySteps } from '@baton/dsl';
import { beginCompensation } from './compensation';
import { emit, instantAfter, record } from './decision-context';
import { RUN_TIMER } from './run-state';
import { durationMsOrDefault } from './step-types/step-duration';
import type { DecisionContext } from './decision-context';
import { scopeOf } from './scope';
import {
  cancelStep,
  completeStep,
  definitionOf,
  failStep,
  isContainer,
  iterationId,
  iterationOf,
  skipStep,
  startStep,
} from './step-transitions';

/** Starts the run, unless its input breaks the definition's input schema: then it fails at once, saying where. */
export async function startRun(ctx: DecisionContext): Promise<void> {
  ctx.state.status = 'running';
  ctx.state.startedAt = ctx.at;
  record(ctx, { type: 'RunStarted' });
  emit(ctx, { type: 'PublishLifecycle', status: 'running' });
  armRunDeadline(ctx, 1);
  const violations = inputViolations(ctx.definition.input, ctx.state.input);
  if (violations.length > 0) {
    const detail = violations.map((v) => `${v.path}: ${v.message}`).join('; ');
    await failRun(ctx, { message: `input does not match the workflow's input schema: ${detail}` });
    return;
  }
  await advanceRun(ctx);
}

/**
 * Moves the run as far as it can go now: starts every step whose `needs` are met (independent
 * ones together, which is how branches run in parallel), again and again while steps that
 * complete inline make more of them ready, then completes the run once every step has.
 */
export async function advanceRun(ctx: DecisionContext): Promise<void> {
  if (ctx.state.status === 'paused') return;
  for (;;) {
    if (ctx.state.status !== 'running') return;
    const ready = readyStepIds(ctx);
    if (ready.length === 0) {
      // Joined containers and forEach steps may unblock the steps that need them.
      if ((await joinContainers(ctx)) || (await progressForEach(ctx))) continue;
      break;
    }
    for (const stepId of ready) {
      if (ctx.state.steps[stepId]?.status !== 'pending') continue;
      const outcome = await startStep(ctx, stepId);
      if (outcome === 'failed') {
        await settleFailedStep(ctx, stepId);
        return;
      }
      if (outcome === 'succeeded') {
        endEarly(ctx);
        finishRun(ctx, ctx.state.steps[stepId].output);
        return;
      }
    }
  }
  if (nothingInFlight(ctx)) {
    // What is still pending can never start (it follows a caught failure, or is a handler no
    // error was routed to): it is skipped and the run is complete.
    for (const stepId of ctx.graph.order) if (ctx.state.steps[stepId]?.status === 'pending') skipStep(ctx, stepId);
    await completeRun(ctx);
  }
}

/**
 * A step failed for good (its retries spent). When one of its `catch` routes takes the error, the
 * handler it names may start and the run goes on. Otherwise a step inside a `switch` or `parallel`
 * fails its container (a `waitAll` parallel first lets its other branches finish), whose own
 * `catch` may take it in turn; a failure that reaches the top fails the run. `origin` is the step
 * the failure began at, which the run's error names.
 */
export async function settleFailedStep(ctx: DecisionContext, stepId: string, origin = stepId): Promise<void> {
  const iteration = iterationOf(stepId);
  if (iteration) {
    // An item that failed for good fails its forEach, whose own `catch` may route the error;
    // items not started yet will not be.
    const error = ctx.state.steps[stepId]?.error ?? { message: 'an item failed', retryable: false };
    for (const item of Object.values(ctx.state.steps)) {
      if (iterationOf(item.id)?.forEachId === iteration.forEachId && item.status === 'pending') skipStep(ctx, item.id);
    }
    failStep(ctx, iteration.forEachId, { ...error, message: `item ${iteration.index} failed: ${error.message}` });
    await settleFailedStep(ctx, iteration.forEachId);
    return;
  }
  const error = ctx.state.steps[stepId]?.error;
  const live = ctx.state.status === 'running' || ctx.state.status === 'paused';
  const route = error && live ? catchRouteFor(definitionOf(ctx, stepId), error) : undefined;
  if (route) {
    ctx.state.routed = [...(ctx.state.routed ?? []), route.next];
    record(ctx, { type: 'StepCaught', stepId, data: { next: route.next } });
    await advanceRun(ctx);
    return;
  }
  const container = containerOf(ctx, stepId);
  if (container === undefined || !live) {
    await failRunBecauseOfStep(ctx, origin);
    return;
  }
  const containerState = ctx.state.steps[container];
  const definition = definitionOf(ctx, container);
  if (containerState.status !== 'running' || (definition.type === 'parallel' && definition.mode === 'waitAll')) {
    // A waitAll parallel fails once its branches settle (see joinContainers); a container that
    // already failed or was called off has nothing more to decide.
    await advanceRun(ctx);
    return;
  }
  endEarly(ctx, 'skipped', descendantsOf(ctx, container));
  failStep(ctx, container, { ...branchFailure(ctx, [stepId]), retryable: false });
  await settleFailedStep(ctx, container, origin);
}

/** The `switch` or `parallel` step whose branches hold `stepId` directly; undefined at the top level. */
function containerOf(ctx: DecisionContext, stepId: string): string | undefined {
  return Object.keys(ctx.graph.branches).find((id) => ctx.graph.branches[id].some((branch) => branch.includes(stepId)));
}

/** Every step inside a container, nested ones and forEach items included. */
function descendantsOf(ctx: DecisionContext, containerId: string): string[] {
  const direct = [
    ...(ctx.graph.branches[containerId] ?? []).flat(),
    ...Object.keys(ctx.state.steps).filter((id) => iterationOf(id)?.forEachId === containerId),
  ];
  return [...direct, ...direct.flatMap((id) => descendantsOf(ctx, id))];
}

/** A container's error from the branch steps that failed: the first one's code, every one's message. */
function branchFailure(ctx: DecisionContext, failed: string[]): { message: string; code?: string } {
  const errors = failed.map((id) => ({ id, error: ctx.state.steps[id]?.error }));
  const message = errors.map(({ id, error }) => `step '${id}' failed: ${error?.message ?? 'unknown error'}`).join('; ');
  const code = errors[0]?.error?.code;
  return { message, ...(code === undefined ? {} : { code }) };
}

/** Ends the run because one of its steps failed for good. */
async function failRunBecauseOfStep(ctx: DecisionContext, stepId: string): Promise<void> {
  const message = ctx.state.steps[stepId]?.error?.message ?? 'unknown error';
  await failRun(ctx, { message: `step '${stepId}' failed: ${message}`, stepId });
}

/**
 * Ends the run as failed. Steps that never started are skipped, waiting ones cancelled; attempts
 * still running are left alone. When completed steps can be undone the run compensates first and
 * ends `compensated` (or `failed`, naming the compensation that failed).
 */
export async function failRun(ctx: DecisionContext, error: RunError): Promise<void> {
  endEarly(ctx);
  ctx.state.error = error;
  if (await beginCompensation(ctx, 'failed')) return;
  ctx.state.status = 'failed';
  ctx.state.endedAt = ctx.at;
  record(ctx, { type: 'RunFailed', data: error });
  emit(ctx, { type: 'PublishLifecycle', status: 'failed' });
}

/** The run's deadline passed: what is unfinished stops, completed steps are compensated, and the run ends `timed_out`. */
export async function timeOutRun(ctx: DecisionContext): Promise<void> {
  endEarly(ctx, 'cancelled');
  ctx.state.error = { message: `run timed out after ${ctx.definition.timeout}` };
  record(ctx, { type: 'RunTimedOut', data: ctx.state.error });
  if (await beginCompensation(ctx, 'timed_out')) return;
  ctx.state.status = 'timed_out';
  ctx.state.endedAt = ctx.at;
  emit(ctx, { type: 'PublishLifecycle', status: 'timed_out' });
}

/** Cancels the run on request; with `compensateOnCancel` the completed steps are undone first. */
export async function cancelRun(ctx: DecisionContext, reason: string | undefined): Promise<void> {
  endEarly(ctx, 'cancelled');
  if (ctx.definition.compensateOnCancel && (await beginCompensation(ctx, 'cancelled'))) return;
  ctx.state.status = 'cancelled';
  ctx.state.endedAt = ctx.at;
  record(ctx, { type: 'RunCancelled', ...(reason ? { data: { reason } } : {}) });
  emit(ctx, { type: 'PublishLifecycle', status: 'cancelled' });
}

/**
 * A failed run resumes where it stopped: failed steps get another attempt (a new attempt number,
 * so a new idempotency key) and skipped or cancelled ones become pending again; completed steps
 * keep their outputs. A compensated run cannot resume: its completed steps were undone.
 */
export async function retryRun(ctx: DecisionContext): Promise<void> {
  for (const step of Object.values(ctx.state.steps)) {
    if (step.status === 'failed' || step.status === 'skipped' || step.status === 'cancelled') {
      step.status = 'pending';
      delete step.endedAt;
    }
  }
  delete ctx.state.error;
  delete ctx.state.endedAt;
  delete ctx.state.compensationReason;
  ctx.state.status = 'running';
  record(ctx, { type: 'RunRetried' });
  emit(ctx, { type: 'PublishLifecycle', status: 'running' });
  // A fresh deadline; a distinct timer id, since the first one may have been published already.
  armRunDeadline(ctx, ctx.now.getTime());
  await advanceRun(ctx);
}

/** The whole-run `timeout`, counted from now. */
function armRunDeadline(ctx: DecisionContext, timerAttempt: number): void {
  if (ctx.definition.timeout === undefined) return;
  const dueAt = instantAfter(ctx, durationMsOrDefault(ctx.definition.timeout, 0));
  ctx.state.deadlineTimer = timerAttempt;
  emit(ctx, { type: 'ScheduleTimer', stepId: RUN_TIMER, attempt: timerAttempt, dueAt });
}

/** Paused, a run starts no new step; what is in flight finishes and is recorded. */
export function pauseRun(ctx: DecisionContext): void {
  ctx.state.status = 'paused';
  record(ctx, { type: 'RunPaused' });
  emit(ctx, { type: 'PublishLifecycle', status: 'paused' });
}

/** Resumed, the run starts what became ready meanwhile, including retries that fell due while paused. */
export async function resumeRun(ctx: DecisionContext): Promise<void> {
  ctx.state.status = 'running';
  record(ctx, { type: 'RunResumed' });
  emit(ctx, { type: 'PublishLifecycle', status: 'running' });
  for (const step of Object.values(ctx.state.steps)) {
    if (step.status === 'scheduled' && (await startStep(ctx, step.id)) === 'failed') {
      await settleFailedStep(ctx, step.id);
      return;
    }
  }
  await advanceRun(ctx);
}

/**
 * Steps (of the run, or of one container) that will not run now: pending ones are skipped (or
 * cancelled); waiting ones, containers and sub-workflows (whose child is then cancelled) are
 * cancelled. Attempts already handed to a worker are left to finish.
 */
function endEarly(ctx: DecisionContext, pendingBecome: 'skipped' | 'cancelled' = 'skipped', stepIds?: string[]): void {
  // The run's own step states, not the graph: forEach items are steps too.
  for (const stepId of stepIds ?? Object.keys(ctx.state.steps)) {
    const status = ctx.state.steps[stepId]?.status;
    if (status === 'pending') {
      if (pendingBecome === 'skipped') skipStep(ctx, stepId);
      else cancelStep(ctx, stepId);
    } else if (status === 'scheduled' || status === 'waiting' || (status === 'running' && waitsOnOthers(ctx, stepId))) {
      cancelStep(ctx, stepId);
    }
  }
}

/** A running container or sub-workflow has no attempt of its own out with a worker. */
function waitsOnOthers(ctx: DecisionContext, stepId: string): boolean {
  return isContainer(ctx, stepId) || definitionOf(ctx, stepId).type === 'subWorkflow';
}

async function completeRun(ctx: DecisionContext): Promise<void> {
  const output = await evaluateWorkflowOutput(ctx);
  if (output instanceof ExpressionError) {
    await failRun(ctx, { message: `workflow output failed: ${output.message}` });
    return;
  }
  finishRun(ctx, output);
}

function finishRun(ctx: DecisionContext, output: unknown): void {
  ctx.state.status = 'completed';
  ctx.state.output = output;
  ctx.state.endedAt = ctx.at;
  record(ctx, { type: 'RunCompleted' });
  emit(ctx, { type: 'PublishLifecycle', status: 'completed' });
}

async function evaluateWorkflowOutput(ctx: DecisionContext): Promise<unknown> {
  if (ctx.definition.output === undefined) {
    return undefined;
  }
  try {
    return await evaluateTemplate(ctx.definition.output, scopeOf(ctx.state));
  } catch (error) {
    if (error instanceof ExpressionError) {
      return error;
    }
    throw error;
  }
}

/** Pending steps whose needs completed; catch handlers and branch steps only once routed to. */
function readyStepIds(ctx: DecisionContext): string[] {
  const { steps } = ctx.state;
  const routed = new Set(ctx.state.routed ?? []);
  const gated = [...ctx.graph.handlers, ...Object.values(ctx.graph.branches).flat(2)];
  const dormant = new Set(gated.filter((id) => !routed.has(id)));
  return readySteps(
    ctx.graph,
    (stepId) => steps[stepId]?.status === 'completed',
    (stepId) => steps[stepId]?.status === 'pending' && !dormant.has(stepId),
  );
}

/** Step statuses of work under way: an attempt out, a retry or timer pending, a container running. */
const IN_FLIGHT: readonly string[] = ['running', 'scheduled', 'waiting'];
const SETTLED: readonly string[] = ['completed', 'skipped', 'failed', 'cancelled', 'compensated'];

function nothingInFlight(ctx: DecisionContext): boolean {
  return Object.values(ctx.state.steps).every((s) => !IN_FLIGHT.includes(s.status));
}

/**
 * Completes each running container whose chosen branches have settled (a failure that reached
 * here was caught, or belongs to a `waitAll` parallel). A `switch` outputs its branch's last
 * output, a `parallel` step the list of its branches' last outputs; a `waitAll` parallel with
 * uncaught branch failures fails instead, naming them all. True when one was settled.
 */
async function joinContainers(ctx: DecisionContext): Promise<boolean> {
  for (const [containerId, branches] of Object.entries(ctx.graph.branches)) {
    const container = ctx.state.steps[containerId];
    if (container?.status !== 'running') continue;
    const chosen = ((container.input as { branches?: number[] } | undefined)?.branches ?? []).map((index) => branches[index] ?? []);
    // Called when no step is ready: a branch with nothing in flight is done, and its pending steps
    // (after a failure, or handlers nothing was routed to) can never start.
    if (chosen.some((branch) => branch.some((id) => IN_FLIGHT.includes(ctx.state.steps[id]?.status ?? '')))) continue;
    for (const id of chosen.flat()) if (ctx.state.steps[id]?.status === 'pending') skipStep(ctx, id);
    const uncaught = chosen.flat().filter((id) => isUncaughtFailure(ctx, id));
    if (uncaught.length > 0) {
      failStep(ctx, containerId, { ...branchFailure(ctx, uncaught), retryable: false });
      await settleFailedStep(ctx, containerId);
      return true;
    }
    const outputs = chosen.map((branch) => lastOutput(ctx, branch));
    completeStep(ctx, containerId, definitionOf(ctx, containerId).type === 'switch' ? (outputs[0] ?? null) : outputs);
    return true;
  }
  return false;
}

/** A failed step no `catch` route took (routes depend only on the error, so this is what settleFailedStep decided). */
function isUncaughtFailure(ctx: DecisionContext, stepId: string): boolean {
  const step = ctx.state.steps[stepId];
  return step?.status === 'failed' && (step.error === undefined || catchRouteFor(definitionOf(ctx, stepId), step.error) === undefined);
}

function lastOutput(ctx: DecisionContext, branch: string[]): unknown {
  const completed = branch.filter((id) => ctx.state.steps[id]?.status === 'completed');
  return completed.length === 0 ? null : (ctx.state.steps[completed[completed.length - 1]].output ?? null);
}

/**
 * Moves each running forEach on: starts pending items while fewer than `concurrency` are in
 * flight (an item that fails for good is settled like any step), and completes the forEach with
 * the outputs in item order once every item has settled. True when something started or completed.
 */
async function progressForEach(ctx: DecisionContext): Promise<boolean> {
  let progressed = false;
  for (const [forEachId, step] of Object.entries(ctx.state.steps)) {
    const definition = step.status === 'running' ? ctx.graph.steps[forEachId] : undefined;
    if (definition?.type !== 'forEach') continue;
    const count = ((step.input as { items?: unknown[] } | undefined)?.items ?? []).length;
    const items = Array.from({ length: count }, (_, index) => ctx.state.steps[iterationId(forEachId, index)]);
    let inFlight = items.filter((item) => IN_FLIGHT.includes(item.status)).length;
    for (const item of items) {
      if (inFlight >= definition.concurrency || ctx.state.status !== 'running') break;
      if (item.status !== 'pending') continue;
      progressed = true;
      const outcome = await startStep(ctx, item.id);
      if (outcome === 'failed') {
        await settleFailedStep(ctx, item.id);
        return true;
      }
      if (outcome !== 'completed') inFlight += 1;
    }
    if (items.every((item) => SETTLED.includes(item.status))) {
      completeStep(
        ctx,
        forEachId,
        items.map((item) => (item.status === 'completed' ? (item.output ?? null) : null)),
      );
      progressed = true;
    }
  }
  return progressed;
}
