/** Same rule as the platform's `BATON_NAMESPACE`. */
const NAMESPACE_PATTERN = /^([a-z0-9_-]+)?$/;
/** Same rule as the workflow language's `taskType`. */
const TASK_TYPE_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
/** Served by the platform's executor; a worker for them would steal its work. */
const RESERVED_TASK_TYPES: readonly string[] = ['http', 'publish'];

const TASKS_STREAM = 'BATON_TASKS';
const RESULTS_STREAM = 'BATON_RESULTS';
const RESULT_SUBJECT = 'baton.results.task';

/**
 * The NATS subjects, stream and consumer names of the worker contract (DESIGN.md §2), qualified
 * exactly as the platform qualifies them when it runs with `BATON_NAMESPACE=<namespace>`:
 * subjects get a `<namespace>.` prefix, streams a `<NAMESPACE>_` prefix (upper case, `-` → `_`).
 */
export class NatsNames {
  readonly namespace: string;

  constructor(namespace = '') {
    if (!NAMESPACE_PATTERN.test(namespace)) {
      throw new Error(`namespace '${namespace}' must be lower-case letters, digits, "_" or "-" (the platform's BATON_NAMESPACE)`);
    }
    this.namespace = namespace;
  }

  /** `baton.tasks.x` → `<namespace>.baton.tasks.x` when a namespace is set. */
  subject(logical: string): string {
    return this.namespace ? `${this.namespace}.${logical}` : logical;
  }

  /** `BATON_TASKS` → `<NAMESPACE>_BATON_TASKS` when a namespace is set. */
  stream(logical: string): string {
    return this.namespace ? `${this.namespace.toUpperCase().replace(/-/g, '_')}_${logical}` : logical;
  }

  /** Where the coordinator dispatches attempts of a task type. */
  taskSubject(taskType: string): string {
    return this.subject(`baton.tasks.${taskType}`);
  }

  /** Where workers publish results and heartbeats. */
  get resultSubject(): string {
    return this.subject(RESULT_SUBJECT);
  }

  get tasksStream(): string {
    return this.stream(TASKS_STREAM);
  }

  get resultsStream(): string {
    return this.stream(RESULTS_STREAM);
  }

  /** The one durable consumer of a task type (the tasks stream is a work queue: one consumer per subject). */
  durable(taskType: string): string {
    return `worker-${taskType}`;
  }
}

/** Throws when `taskType` could not appear in a valid definition, or belongs to the platform. */
export function assertWorkerTaskType(taskType: string): void {
  if (!TASK_TYPE_PATTERN.test(taskType)) {
    throw new Error(`task type '${taskType}' must match ${TASK_TYPE_PATTERN.source} (lowercase letters, digits and '-')`);
  }
  if (RESERVED_TASK_TYPES.includes(taskType)) {
    throw new Error(`task type '${taskType}' is reserved for Baton's built-in ${taskType} step type`);
  }
}
