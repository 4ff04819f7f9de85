import type { TaskDispatch, TaskResult } from '@baton/contracts';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type Consumer,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { NatsNames } from '../nats-names';
import type { TaskContext, TaskHandler, TaskHandlerOptions, WorkerLogger } from './task-handler';
import { headersOf, traceContextOf, type TraceContext } from './trace-context';
import {
  completedResult,
  encodeJson,
  encodeTaskResult,
  failedResult,
  heartbeatOf,
  InvalidDispatchError,
  parseTaskDispatch,
} from './task-messages';

/** Pause after the consumer could not be reached (NATS down, consumer deleted), doubling up to the maximum. */
const RECOVERY_PAUSE_MS = { first: 1000, max: 30_000 };

export interface TaskConsumerSettings {
  taskType: string;
  handler: TaskHandler;
  options: Required<TaskHandlerOptions>;
  names: NatsNames;
  js: JetStreamClient;
  jsm: JetStreamManager;
  logger: WorkerLogger;
  /** The server's `max_payload`, read when a result is encoded. */
  maxPayloadBytes: () => number;
}

/**
 * The durable pull consumer of one task type: pulls no more dispatches than it has free slots
 * (so none waits in a buffer while its ack deadline runs), runs the handler, publishes the result
 * and acks the dispatch only once JetStream has stored the result.
 */
export class TaskConsumer {
  private readonly inFlight = new Set<Promise<void>>();
  private consumer?: Consumer;
  private batch?: ConsumerMessages;
  private loop?: Promise<void>;
  private stopping = false;
  private wakeUp?: () => void;

  constructor(private readonly settings: TaskConsumerSettings) {}

  private get stream(): string {
    return this.settings.names.tasksStream;
  }

  private get durable(): string {
    return this.settings.names.durable(this.settings.taskType);
  }

  /** Creates the durable consumer, or brings an existing one to these settings. Idempotent. */
  async ensure(): Promise<void> {
    const { jsm, names, taskType, options } = this.settings;
    const config = {
      ack_wait: nanos(options.ackWaitMs),
      max_deliver: options.maxDeliver,
      filter_subject: names.taskSubject(taskType),
    };
    try {
      await jsm.consumers.info(this.stream, this.durable);
      await jsm.consumers.update(this.stream, this.durable, config);
      return;
    } catch (error) {
      if (!(error instanceof JetStreamApiError)) throw error;
      if (error.code === JetStreamApiCodes.StreamNotFound) {
        throw new Error(
          `stream ${this.stream} does not exist: start the Baton platform first, with the same namespace ` +
            `(BATON_NAMESPACE=${names.namespace || '<empty>'})`,
          { cause: error },
        );
      }
      if (error.code !== JetStreamApiCodes.ConsumerNotFound) throw error;
    }
    const created = { ...config, durable_name: this.durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All };
    try {
      await jsm.consumers.add(this.stream, created);
    } catch (error) {
      // Another process of this worker may have created it at the same moment.
      const updated = await jsm.consumers.update(this.stream, this.durable, config).then(
        () => true,
        () => false,
      );
      if (!updated) {
        throw new Error(
          `cannot create consumer ${this.durable} for ${config.filter_subject} on ${this.stream}: ${(error as Error).message} ` +
            '(the tasks stream is a work queue: another consumer filtering on this subject must be removed first)',
          { cause: error },
        );
      }
    }
  }

  start(): void {
    this.loop ??= this.pull();
  }

  /** Stops pulling, then waits for the running handlers to report. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeUp?.();
    // Ends the pending pull; the loop sees the end of the batch (awaiting close() here or there could
    // deadlock: the iterator only closes while it is being iterated).
    void this.batch?.close().catch(() => undefined);
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
  }

  private async pull(): Promise<void> {
    const { concurrency } = this.settings.options;
    let failures = 0;
    while (!this.stopping) {
      if (this.inFlight.size >= concurrency) {
        await Promise.race(this.inFlight);
        continue;
      }
      try {
        this.consumer ??= await this.settings.js.consumers.get(this.stream, this.durable);
        const batch = await this.consumer.fetch({ max_messages: concurrency - this.inFlight.size });
        this.batch = batch;
        if (this.stopping) void batch.close().catch(() => undefined);
        for await (const msg of batch) this.track(this.process(msg));
        failures = 0;
      } catch (error) {
        if (this.stopping) break;
        const pauseMs = Math.min(RECOVERY_PAUSE_MS.max, RECOVERY_PAUSE_MS.first * 2 ** failures++);
        this.settings.logger.warn(`${this.durable}: cannot pull task dispatches, retrying in ${pauseMs} ms: ${(error as Error).message}`);
        this.consumer = undefined;
        await this.pause(pauseMs);
        await this.ensure().catch((ensureError: Error) => this.settings.logger.warn(`${this.durable}: ${ensureError.message}`));
      } finally {
        this.batch = undefined;
      }
    }
  }

  private track(task: Promise<void>): void {
    const tracked = task
      .catch((error: Error) => this.settings.logger.error(`${this.durable}: ${error.message}`))
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private async process(msg: JsMsg): Promise<void> {
    let dispatch: TaskDispatch;
    try {
      dispatch = parseTaskDispatch(msg.data);
    } catch (error) {
      if (!(error instanceof InvalidDispatchError)) throw error;
      this.settings.logger.error(`${this.durable}: dropping ${msg.subject} #${msg.seq}: ${error.message}`);
      msg.term(error.message.slice(0, 200));
      return;
    }
    const trace = traceContextOf(msg.headers);
    const result = await this.run(dispatch, msg, trace);
    try {
      await this.publishResult(result, trace);
      msg.ack();
    } catch (error) {
      const delayMs = Math.min(30_000, 1000 * 2 ** (msg.info.deliveryCount - 1));
      this.settings.logger.warn(
        `${this.durable}: could not store the result of ${dispatch.taskId}, the attempt will be redelivered in ${delayMs} ms: ${(error as Error).message}`,
      );
      msg.nak(delayMs);
    }
  }

  /** Runs the handler, keeping the delivery alive and heartbeating meanwhile; never throws. */
  private async run(dispatch: TaskDispatch, msg: JsMsg, trace: TraceContext): Promise<TaskResult> {
    const { handler, options, taskType } = this.settings;
    let beats = 0;
    const heartbeat = async (): Promise<void> => {
      msg.working();
      const msgID = `heartbeat:${dispatch.taskId}:${++beats}`;
      await this.settings.js
        .publish(this.settings.names.resultSubject, encodeJson(heartbeatOf(dispatch)), { msgID, headers: headersOf(trace) })
        .catch((error: Error) => this.settings.logger.warn(`${this.durable}: heartbeat for ${dispatch.taskId} failed: ${error.message}`));
    };
    const ctx: TaskContext = {
      taskType,
      taskId: dispatch.taskId,
      runId: dispatch.runId,
      stepId: dispatch.stepId,
      attempt: dispatch.attempt,
      idempotencyKey: dispatch.idempotencyKey,
      deadline: new Date(dispatch.deadline),
      deliveryCount: msg.info.deliveryCount,
      heartbeat,
    };
    const heartbeats = setInterval(() => void heartbeat(), options.heartbeatMs);
    // Heartbeats may be rarer than the ack deadline; the delivery must stay ours either way.
    const keepAlive = setInterval(() => msg.working(), Math.max(1000, options.ackWaitMs / 3));
    try {
      return completedResult(dispatch, await handler(dispatch.input, ctx));
    } catch (error) {
      return failedResult(dispatch, error);
    } finally {
      clearInterval(heartbeats);
      clearInterval(keepAlive);
    }
  }

  /** Resolves once JetStream has stored the result; `result:<taskId>` makes a republished result a no-op. */
  private async publishResult(result: TaskResult, trace: TraceContext): Promise<void> {
    const encoded = encodeTaskResult(result, this.settings.maxPayloadBytes());
    if (encoded.result !== result) this.settings.logger.warn(`${this.durable}: ${result.taskId}: ${encoded.result.error?.message}`);
    await this.settings.js.publish(this.settings.names.resultSubject, encoded.data, {
      msgID: `result:${result.taskId}`,
      headers: headersOf(trace),
    });
  }

  private pause(ms: number): Promise<void> {
    return new Promise((done) => {
      const timer = setTimeout(done, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        done();
      };
    });
  }
}
