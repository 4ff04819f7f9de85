import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { Client } from 'pg';

const ROOT = resolve(__dirname, '../..');
const MAIN = resolve(ROOT, 'services/all-in-one/dist/main.js');
export const ADMIN_DATABASE_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

export interface PlatformOptions {
  natsUrl?: string;
  otlpEndpoint?: string;
  env?: Record<string, string>;
}

/**
 * The all-in-one Baton process as a user starts it, isolated per test file: its own database,
 * its own NATS namespace (subjects and streams), its own HTTP port. `cleanup()` removes all three.
 */
export class Platform {
  readonly namespace = `it${randomBytes(4).toString('hex')}`;
  readonly database = `baton_${this.namespace}`;
  readonly natsUrl: string;
  private process?: ChildProcess;
  private readonly replicas: ChildProcess[] = [];
  private output = '';
  httpPort = 0;
  grpcPort = 0;

  private constructor(private readonly options: PlatformOptions) {
    this.natsUrl = options.natsUrl ?? process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  }

  static async start(options: PlatformOptions = {}): Promise<Platform> {
    const platform = new Platform(options);
    platform.httpPort = await freePort();
    platform.grpcPort = await freePort();
    try {
      await platform.launch();
    } catch (error) {
      await platform.cleanup().catch(() => undefined);
      throw error;
    }
    return platform;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  /** Logical subject → the subject this platform instance really uses. */
  subject(logical: string): string {
    return `${this.namespace}.${logical}`;
  }

  get logs(): string {
    return this.output;
  }

  async launch(): Promise<void> {
    const child = this.spawnMain(MAIN);
    this.process = child;
    await this.waitUntilReady(child);
  }

  /**
   * One more process of a single service (`services/<name>/dist/main.js`) on this platform's
   * database and namespace: a replica beside the all-in-one's. The caller stops it.
   */
  startReplica(service: string): ChildProcess {
    // Replicas share this machine: each takes a free metrics port rather than the default 9464.
    const child = this.spawnMain(resolve(ROOT, `services/${service}/dist/main.js`), { BATON_METRICS_PORT: '0' });
    this.replicas.push(child);
    return child;
  }

  private spawnMain(main: string, env: Record<string, string> = {}): ChildProcess {
    const child = spawn(process.execPath, [main], {
      cwd: ROOT,
      env: {
        ...process.env,
        NATS_URL: this.natsUrl,
        DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${this.database}`,
        BATON_NAMESPACE: this.namespace,
        BATON_HTTP_PORT: String(this.httpPort),
        BATON_GRPC_PORT: String(this.grpcPort),
        BATON_LOG_LEVEL: 'warn',
        ...(this.options.otlpEndpoint ? { OTEL_EXPORTER_OTLP_ENDPOINT: this.options.otlpEndpoint } : { OTEL_SDK_DISABLED: 'true' }),
        ...this.options.env,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    return child;
  }

  async waitUntilReady(child?: ChildProcess, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child && child.exitCode !== null) throw new Error(`platform exited with ${child.exitCode}:\n${this.output.slice(-4000)}`);
      try {
        const response = await fetch(`${this.baseUrl}/health/ready`);
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(250);
    }
    throw new Error(`platform not ready after ${timeoutMs} ms:\n${this.output.slice(-4000)}`);
  }

  /** The status GET /health/ready answers with, or 0 when it does not answer within `timeoutMs`. */
  async readyStatus(timeoutMs: number): Promise<number> {
    try {
      const response = await fetch(`${this.baseUrl}/health/ready`, { signal: AbortSignal.timeout(timeoutMs) });
      await response.text();
      return response.status;
    } catch {
      return 0; // no answer in time counts as not ready
    }
  }

  /** SIGKILL: no shutdown hooks, in-flight work is lost exactly as in a crash. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.kill(signal);
    await exited;
  }

  get exitCode(): number | null | undefined {
    return this.process?.exitCode;
  }

  /** Stops the process, drops the database and deletes the namespace's streams. */
  async cleanup(): Promise<void> {
    for (const replica of this.replicas) replica.kill('SIGKILL');
    await this.stop();
    const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${this.database}" WITH (FORCE)`);
    await admin.end();
    const nc = await connect({ servers: this.natsUrl });
    try {
      const jsm = await jetstreamManager(nc);
      const prefix = `${this.namespace.toUpperCase()}_`;
      for await (const stream of jsm.streams.list()) {
        if (stream.config.name.startsWith(prefix)) await jsm.streams.delete(stream.config.name);
      }
    } finally {
      await nc.close();
    }
  }

  async api<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const isText = typeof body === 'string';
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': isText ? 'application/yaml' : 'application/json' }), ...headers },
      body: body === undefined ? undefined : isText ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // keep text
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  /** Polls a run until it reaches one of the statuses. */
  async waitForRun(
    id: string,
    statuses: string[] = ['completed', 'failed', 'cancelled', 'compensated', 'timed_out'],
    timeoutMs = 30_000,
  ): Promise<RunBody> {
    const deadline = Date.now() + timeoutMs;
    let last: RunBody | undefined;
    while (Date.now() < deadline) {
      const { status, body } = await this.api<RunBody>('GET', `/v1/runs/${id}`);
      if (status === 200) {
        last = body;
        if (statuses.includes(body.status)) return body;
      }
      await sleep(100);
    }
    throw new Error(`run ${id} did not reach ${statuses.join('|')} in ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
  }

  /** Polls the run list of a workflow until `count` runs exist. */
  async waitForRuns(workflow: string, count: number, timeoutMs = 30_000): Promise<RunBody[]> {
    const deadline = Date.now() + timeoutMs;
    let items: RunBody[] = [];
    while (Date.now() < deadline) {
      const { body } = await this.api<{ items: RunBody[] }>('GET', `/v1/runs?workflow=${workflow}&limit=500`);
      items = body.items ?? [];
      if (items.length >= count) return items;
      await sleep(150);
    }
    throw new Error(`expected ${count} runs of ${workflow}, saw ${items.length}`);
  }

  async nats(): Promise<NatsConnection> {
    return connect({ servers: this.natsUrl });
  }
}

export interface StepBody {
  id: string;
  type: string;
  status: string;
  attempts: number;
  input?: unknown;
  output?: unknown;
  error?: { message: string; retryable?: boolean };
}

export interface RunBody {
  id: string;
  workflow: string;
  version: number;
  status: string;
  input: unknown;
  output?: unknown;
  error?: { message: string; stepId?: string };
  steps: StepBody[];
  traceId?: string;
}

export const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
