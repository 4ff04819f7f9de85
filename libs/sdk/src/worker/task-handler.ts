/** What a handler knows about the attempt it is running. */
export interface TaskContext {
  readonly taskType: string;
  /** Unique per attempt. */
  readonly taskId: string;
  readonly runId: string;
  readonly stepId: string;
  /** 1 for the first attempt, 2 for the first retry, … */
  readonly attempt: number;
  /**
   * `<runId>:<stepId>:<attempt>`. Steps run at least once: pass it to the systems you call so a
   * repeated delivery of the same attempt does the work once.
   */
  readonly idempotencyKey: string;
  /** After this instant the attempt counts as timed out (the step's `timeout`, 5 min by default). */
  readonly deadline: Date;
  /** How many times JetStream has delivered this dispatch (more than 1 after a crash or a lost result). */
  readonly deliveryCount: number;
  /**
   * Reports progress now (heartbeats are also sent automatically every `heartbeatMs`) and extends
   * the delivery's ack deadline. Best effort: it never throws.
   */
  heartbeat(): Promise<void>;
}

/**
 * Does one attempt of a task. Its resolved value becomes the step's output; a thrown
 * `TerminalError` fails the step, anything else thrown fails the attempt retryably.
 */
export type TaskHandler<I = unknown, O = unknown> = (input: I, ctx: TaskContext) => Promise<O> | O;

export interface TaskHandlerOptions {
  /** Attempts this process runs at once for the task type (default 8). */
  concurrency?: number;
  /** Interval of automatic heartbeats while a handler runs (default 10 s). */
  heartbeatMs?: number;
  /**
   * How long JetStream waits for an ack before redelivering, e.g. after this process died
   * (default 30 s). Running handlers keep their delivery alive, so this only bounds recovery time.
   */
  ackWaitMs?: number;
  /** Deliveries of one dispatch before JetStream gives up on it (default 20). */
  maxDeliver?: number;
}

export const DEFAULT_HANDLER_OPTIONS: Required<TaskHandlerOptions> = {
  concurrency: 8,
  heartbeatMs: 10_000,
  ackWaitMs: 30_000,
  maxDeliver: 20,
};

/** Where the worker reports what goes wrong outside handlers (lost connections, failed publishes). */
export interface WorkerLogger {
  warn(message: string): void;
  error(message: string): void;
}
