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
 * How an attempt begins: handed to a worker (the executor or an external one) as a task,
 * finished on the spot when the step needs nothing but the scope, or parked until a timer or a
 * signal.
 */
export type StepStart =
  | { kind: 'dispatch'; taskType: string; input: unknown; timeoutMs: number }
  | { kind: 'completed'; output: unknown }
  /**
   * Waits for a timer (`until`), a signal or an event of type `event`, or a timer and one of the
   * others; `approval` when the signal is a human decision, which is announced (`approval_requested`).
   */
  | { kind: 'wait'; until?: string; event?: string; approval?: boolean }
  /** Starts a child run of `workflow` (a `subWorkflow` step) and waits for its end. */
  | { kind: 'child'; workflow: string; version?: number; input: unknown }
  /** Fails the step for good, and so the run. */
  | { kind: 'failed'; message: string }
  /** Completes the step and ends the whole run now with `output`. */
  | { kind: 'succeedRun'; output: unknown }
  /** A container (`switch`, `parallel`) starts these branches (indexes into its branch lists) and joins them. */
  | { kind: 'route'; branches: number[] }
  /** A `forEach` runs its step once per item. */
  | { kind: 'fanOut'; items: unknown[] };

/**
 * One step type of the workflow language (STYLE.md principle 3). Implementations are pure:
 * they only evaluate templates against the scope. An expression that cannot be evaluated
 * throws `ExpressionError`, which the engine turns into a non-retryable step failure.
 */
export interface StepType<S extends StepDefinition> {
  start(step: S, ctx: StepContext): Promise<StepStart>;
}
