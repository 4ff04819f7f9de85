import type { Scope, StepDefinition } from '@baton/dsl';

/** What a step type may read when it starts an attempt. */
export interface StepContext {
  /** The run's scope; secrets are not in it, so nothing evaluated here can leak one into run state. */
  scope: Scope;
  now: Date;
  runId: string;
  workflow: string;
}

/**
 * How an attempt begins: handed to a worker (the executor or an external one) as a task, or
 * finished on the spot when the step needs nothing but the scope.
 */
export type StepStart = { kind: 'dispatch'; taskType: string; input: unknown; timeoutMs: number } | { kind: 'completed'; output: unknown };

/**
 * One step type of the workflow language (STYLE.md principle 3). Implementations are pure:
 * they only evaluate templates against the scope. An expression that cannot be evaluated
 * throws `ExpressionError`, which the engine turns into a non-retryable step failure.
 */
export interface StepType<S extends StepDefinition> {
  start(step: S, ctx: StepContext): Promise<StepStart>;
}
