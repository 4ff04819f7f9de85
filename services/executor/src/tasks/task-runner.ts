import type { BuiltinTaskType, TaskDispatch, TaskError } from '@baton/contracts';

/** How one attempt ended, before it is addressed back to the coordinator as a `TaskResult`. */
export type TaskOutcome = { status: 'completed'; output: unknown } | { status: 'failed'; error: TaskError };

/**
 * One built-in task type (STYLE.md principle 3). A runner reports what the target said as an
 * outcome; it throws only when Baton's own infrastructure failed, so the dispatch is redelivered
 * and the same attempt runs again instead of failing into a new one.
 */
export interface TaskRunner {
  readonly taskType: BuiltinTaskType;
  run(dispatch: TaskDispatch): Promise<TaskOutcome>;
}

/** Injection token for the list of runners; registering a new task type means adding it there. */
export const TASK_RUNNERS = Symbol('BATON_TASK_RUNNERS');

export const completed = (output: unknown): TaskOutcome => ({ status: 'completed', output });

export const failed = (message: string, retryable: boolean, code: string): TaskOutcome => ({
  status: 'failed',
  error: { message, retryable, code },
});
