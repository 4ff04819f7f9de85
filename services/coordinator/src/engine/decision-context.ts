import type { StepGraph, WorkflowDefinition } from '@baton/dsl';
import type { EngineCommand, HistoryRecord, RunState, StepState } from './run-state';

/**
 * The working set of one decision. `state` is the engine's own copy of the run, changed in
 * place; commands and history are appended in the order things happen.
 */
export interface DecisionContext {
  readonly definition: WorkflowDefinition;
  readonly graph: StepGraph;
  readonly state: RunState;
  readonly now: Date;
  /** `now` as ISO-8601, the timestamp of every change made by this decision. */
  readonly at: string;
  readonly commands: EngineCommand[];
  readonly history: HistoryRecord[];
}

export function record(ctx: DecisionContext, entry: Omit<HistoryRecord, 'at'>): void {
  ctx.history.push({ ...entry, at: ctx.at });
}

export function emit(ctx: DecisionContext, command: EngineCommand): void {
  ctx.commands.push(command);
}

/** An ISO-8601 instant `delayMs` after the decision's `now`. */
export function instantAfter(ctx: DecisionContext, delayMs: number): string {
  return new Date(ctx.now.getTime() + delayMs).toISOString();
}

/** The state of a step the run is known to have; a missing one means the run was created wrongly. */
export function stepStateOf(ctx: DecisionContext, stepId: string): StepState {
  const step = Object.hasOwn(ctx.state.steps, stepId) ? ctx.state.steps[stepId] : undefined;
  if (step === undefined) {
    throw new Error(`run ${ctx.state.id} has no state for step '${stepId}'`);
  }
  return step;
}
