import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { BatonConfig } from '@baton/config';
import { Streams, type StreamSpec } from '@baton/contracts';
import {
  jetstream,
  jetstreamManager,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import { SERVICE_NAME } from './tokens';

const DUPLICATE_WINDOW_MS = 2 * 60 * 1000;

/**
 * One NATS connection per service. Subjects and stream names are qualified with the configured
 * namespace here, so the rest of the code uses the catalogue's logical names.
 */
@Injectable()
export class NatsClient implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(NatsClient.name);
  private connection?: NatsConnection;
  private jsClient?: JetStreamClient;
  private manager?: JetStreamManager;
  private reachable = true;

  constructor(
    private readonly config: BatonConfig,
    @Inject(SERVICE_NAME) private readonly serviceName: string,
  ) {}

  async onModuleInit(): Promise<void> {
    this.connection = await connect({
      servers: this.config.NATS_URL,
      name: `baton-${this.serviceName}`,
      user: this.config.NATS_USER,
      pass: this.config.NATS_PASSWORD,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
    });
    void this.watchStatus(this.connection);
    this.jsClient = jetstream(this.connection);
    this.manager = await jetstreamManager(this.connection);
    for (const spec of Object.values(Streams)) await this.ensureStream(spec);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection?.drain().catch(() => undefined);
  }

  get nc(): NatsConnection {
    return this.required(this.connection);
  }

  get js(): JetStreamClient {
    return this.required(this.jsClient);
  }

  get jsm(): JetStreamManager {
    return this.required(this.manager);
  }

  /** False while the client is reconnecting, so readiness reports an outage at once. */
  get isConnected(): boolean {
    return this.reachable && !!this.connection && !this.connection.isClosed() && !this.connection.isDraining();
  }

  /** `baton.events.x` → `<namespace>.baton.events.x` when a namespace is set. */
  subject(logical: string): string {
    return this.config.BATON_NAMESPACE ? `${this.config.BATON_NAMESPACE}.${logical}` : logical;
  }

  /** Strips the namespace from a received subject. */
  logicalSubject(qualified: string): string {
    const prefix = this.config.BATON_NAMESPACE ? `${this.config.BATON_NAMESPACE}.` : '';
    return prefix && qualified.startsWith(prefix) ? qualified.slice(prefix.length) : qualified;
  }

  streamName(logical: string): string {
    return this.config.BATON_NAMESPACE ? `${this.config.BATON_NAMESPACE.toUpperCase().replace(/-/g, '_')}_${logical}` : logical;
  }

  /** Creates the stream, or brings an existing one to the current spec. Idempotent. */
  private async ensureStream(spec: StreamSpec): Promise<void> {
    const config = {
      name: this.streamName(spec.name),
      subjects: spec.subjects.map((s) => this.subject(s)),
      retention: spec.retention === 'workqueue' ? RetentionPolicy.Workqueue : RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: this.config.BATON_STREAM_REPLICAS,
      max_age: nanos(spec.maxAgeMs),
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    };
    try {
      await this.jsm.streams.update(config.name, config);
    } catch (error) {
      if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
      // Another service of this platform may create it at the same moment; then update it.
      await this.jsm.streams.add(config).catch(() => this.jsm.streams.update(config.name, config));
    }
  }

  private async watchStatus(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect') {
        this.reachable = status.type === 'reconnect';
        this.logger.warn(`NATS ${status.type} (${this.serviceName})`);
      }
    }
  }

  private required<T>(value: T | undefined): T {
    if (value === undefined) throw new Error('NATS is not connected yet');
    return value;
  }
}
