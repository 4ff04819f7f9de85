import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, sleep } from './platform';

const NATS_SERVER = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

/**
 * A NATS server (with JetStream) of a test's own, so the test can stop and restart it without
 * disturbing anything else. It keeps its port and store directory across restarts, so streams,
 * consumers and unacknowledged messages survive exactly as they would on a real server restart.
 */
export class PrivateNats {
  private process?: ChildProcess;
  private output = '';

  private constructor(
    readonly port: number,
    readonly storeDir: string,
  ) {}

  static async start(): Promise<PrivateNats> {
    const storeDir = await mkdtemp(join(tmpdir(), 'baton-nats-'));
    const nats = new PrivateNats(await freePort(), storeDir);
    try {
      await nats.start();
    } catch (error) {
      await nats.cleanup();
      throw error;
    }
    return nats;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get logs(): string {
    return this.output;
  }

  get running(): boolean {
    return !!this.process && this.process.exitCode === null && this.process.signalCode === null;
  }

  /** Starts the server (again) on the same port and store directory; resolves once it accepts clients. */
  async start(timeoutMs = 15_000): Promise<void> {
    if (this.running) return;
    const child = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const startedAt = this.output.length;
    const onOutput = (chunk: Buffer) => (this.output += chunk.toString());
    child.stdout?.on('data', onOutput);
    child.stderr?.on('data', onOutput);
    this.process = child;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`nats-server exited with ${child.exitCode ?? child.signalCode}:\n${this.output.slice(startedAt).slice(-4000)}`);
      }
      if (this.output.indexOf('Server is ready', startedAt) >= 0 && (await this.accepts())) return;
      await sleep(50);
    }
    await this.stop();
    throw new Error(`nats-server not ready on port ${this.port} after ${timeoutMs} ms:\n${this.output.slice(startedAt).slice(-4000)}`);
  }

  /** SIGTERM, then waits for the process to exit (SIGKILL if it takes longer than `timeoutMs`). */
  async stop(timeoutMs = 10_000): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops the server and removes its store directory. */
  async cleanup(): Promise<void> {
    await this.stop();
    await rm(this.storeDir, { recursive: true, force: true });
  }

  private accepts(): Promise<boolean> {
    return new Promise((done) => {
      const socket = tcpConnect({ host: '127.0.0.1', port: this.port });
      socket.once('connect', () => {
        socket.destroy();
        done(true);
      });
      socket.once('error', () => done(false));
    });
  }
}
