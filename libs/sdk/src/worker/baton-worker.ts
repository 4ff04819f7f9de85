import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { assertWorkerTaskType, NatsNames } from '../nats-names';
import { TaskConsumer } from './task-consumer';
import { DEFAULT_HANDLER_OPTIONS, type TaskHandler, type TaskHandlerOptions, type WorkerLogger } from './task-handler';

export interface BatonWorkerOptions {
  /** NATS server(s) of the platform, e.g. `nats://127.0.0.1:4222`. */
  servers: string | string[];
  /** The platform's `BATON_NAMESPACE` (empty by default). */
  namespace?: string;
  user?: string;
  pass?: string;
  /** Connection name shown by the NATS server (default `baton-worker`). */
  name?: string;
  /** Where problems outside handlers are reported (default: lines on stderr). */
  logger?: WorkerLogger;
}

interface Registration {
  taskType: string;
  handler: TaskHandler;
  options: Required<TaskHandlerOptions>;
}

/** NATS' own default `max_payload`, until the server has said otherwise. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

const stderrLogger: WorkerLogger = {
  warn: (message) => process.stderr.write(`[baton-worker] warn: ${message}\n`),
  error: (message) => process.stderr.write(`[baton-worker] error: ${message}\n`),
};

/**
 * An external worker (DESIGN.md §2): takes the attempts of `task` steps from
 * `baton.tasks.<taskType>`, runs a handler for each and reports the outcome on
 * `baton.results.task`.
 *
 * ```ts
 * const worker = new BatonWorker({ servers: 'nats://127.0.0.1:4222' });
 * worker.handle<{ amount: number }, { chargeId: string }>('charge-card', async (input, ctx) => charge(input, ctx.idempotencyKey));
 * await worker.start();
 * // …
 * await worker.stop();
 * ```
 */
export class BatonWorker {
  readonly names: NatsNames;
  private readonly registrations = new Map<string, Registration>();
  private readonly logger: WorkerLogger;
  private connection?: NatsConnection;
  private consumers: TaskConsumer[] = [];
  private state: 'idle' | 'starting' | 'running' | 'stopped' = 'idle';
  private starting?: Promise<void>;
  private stopping?: Promise<void>;

  constructor(private readonly options: BatonWorkerOptions) {
    this.names = new NatsNames(options.namespace);
    this.logger = options.logger ?? stderrLogger;
  }

  /**
   * Registers the handler of a task type; call before {@link start}. `input` is the step's
   * resolved `input` (not validated: check it if it matters). See {@link TaskHandler} for how
   * returned values and thrown errors are reported.
   */
  handle<I = unknown, O = unknown>(taskType: string, handler: TaskHandler<I, O>, options: TaskHandlerOptions = {}): this {
    if (this.state !== 'idle') throw new Error('register handlers before start()');
    assertWorkerTaskType(taskType);
    if (this.registrations.has(taskType)) throw new Error(`task type '${taskType}' already has a handler`);
    this.registrations.set(taskType, { taskType, handler: handler as TaskHandler, options: validOptions(taskType, options) });
    return this;
  }

  /** Connects, creates (or updates) the durable consumer of each task type and starts taking work. */
  start(): Promise<void> {
    if (this.state !== 'idle') return Promise.reject(new Error(`the worker cannot start: it is ${this.state}`));
    if (this.registrations.size === 0) return Promise.reject(new Error('register at least one handler before start()'));
    this.state = 'starting';
    this.starting = this.startup();
    return this.starting;
  }

  private async startup(): Promise<void> {
    const connection = await connect({
      servers: this.options.servers,
      user: this.options.user,
      pass: this.options.pass,
      name: this.options.name ?? 'baton-worker',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
    });
    this.connection = connection;
    try {
      const js = jetstream(connection);
      const jsm = await jetstreamManager(connection);
      const consumers = [...this.registrations.values()].map(
        (registration) =>
          new TaskConsumer({
            ...registration,
            names: this.names,
            js,
            jsm,
            logger: this.logger,
            maxPayloadBytes: () => connection.info?.max_payload ?? DEFAULT_MAX_PAYLOAD,
          }),
      );
      for (const consumer of consumers) await consumer.ensure();
      void this.watchConnection(connection);
      this.consumers = consumers;
      for (const consumer of consumers) consumer.start();
      this.state = 'running';
    } catch (error) {
      this.state = 'stopped';
      await connection.close().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Stops taking work, waits for the running handlers to finish and report, then closes the
   * connection. Dispatches not yet taken stay in the stream for the next worker. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  get isRunning(): boolean {
    return this.state === 'running';
  }

  private async shutdown(): Promise<void> {
    await this.starting?.catch(() => undefined);
    if (this.state !== 'running') {
      this.state = 'stopped';
      return;
    }
    await Promise.all(this.consumers.map((consumer) => consumer.stop()));
    this.state = 'stopped';
    const connection = this.connection;
    if (connection && !connection.isClosed()) {
      // drain flushes the acks of the last results before closing.
      await connection.drain().catch(() => connection.close());
    }
  }

  private async watchConnection(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect') this.logger.warn(`disconnected from NATS ${status.server}; reconnecting`);
      if (status.type === 'reconnect') this.logger.warn(`reconnected to NATS ${status.server}`);
    }
  }
}

function validOptions(taskType: string, options: TaskHandlerOptions): Required<TaskHandlerOptions> {
  const merged = { ...DEFAULT_HANDLER_OPTIONS, ...withoutUndefined(options) };
  const problems = [
    !Number.isInteger(merged.concurrency) || merged.concurrency < 1 ? 'concurrency must be an integer ≥ 1' : '',
    !(merged.heartbeatMs >= 100) ? 'heartbeatMs must be ≥ 100' : '',
    !(merged.ackWaitMs >= 1000) ? 'ackWaitMs must be ≥ 1000' : '',
    !Number.isInteger(merged.maxDeliver) || merged.maxDeliver < 1 ? 'maxDeliver must be an integer ≥ 1' : '',
  ].filter(Boolean);
  if (problems.length > 0) throw new Error(`options of task type '${taskType}': ${problems.join('; ')}`);
  return merged;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
