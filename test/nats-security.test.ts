import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { BUILTIN_TASK_TYPES, Streams } from '@baton/contracts';
import { BatonWorker } from '@baton/sdk';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudEvent, publishEvent } from './support/cloud-events';
import { HttpTarget } from './support/http-target';
import { ADMIN_DATABASE_URL, freePort, Platform, sleep, type RunBody } from './support/platform';

const ROOT = resolve(__dirname, '..');
const DEPLOY = resolve(ROOT, 'deploy/nats');
const AUTHORIZATION = resolve(DEPLOY, 'authorization.conf');
const RENDER = resolve(DEPLOY, 'render-authorization.mjs');
const NATS_SERVER = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';
const run = promisify(execFile);

const USERS = ['gateway', 'registry', 'scheduler', 'coordinator', 'executor', 'notifier', 'all-in-one', 'worker', 'app'] as const;
type NatsUser = (typeof USERS)[number];
const SERVICES = ['registry', 'coordinator', 'scheduler', 'executor', 'notifier', 'gateway'] as const;

const passwords = Object.fromEntries(USERS.map((user) => [user, `${user}-${randomBytes(12).toString('hex')}`])) as Record<NatsUser, string>;
/** What nats-server reads the passwords from (`$BATON_NATS_<USER>_PASSWORD` in authorization.conf). */
const passwordEnv = Object.fromEntries(
  USERS.map((user) => [`BATON_NATS_${user.toUpperCase().replace(/-/g, '_')}_PASSWORD`, passwords[user]]),
);

/**
 * A nats-server of the test's own running Baton's authorization rules: `include`s an authorization
 * file next to a JetStream block with a temporary store (deploy/nats/nats-server.conf's `/data` store
 * cannot be overridden from the command line), with the user passwords in its environment.
 */
class SecuredNats {
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly port: number,
  ) {}

  static async start(authorizationFile: string | ((dir: string) => Promise<string>)): Promise<SecuredNats> {
    const dir = await mkdtemp(join(tmpdir(), 'baton-nats-sec-'));
    const file = typeof authorizationFile === 'string' ? authorizationFile : await authorizationFile(dir);
    const config = join(dir, 'nats-server.conf');
    await writeFile(
      config,
      [`jetstream { store_dir: ${JSON.stringify(join(dir, 'store'))} }`, `include ${JSON.stringify(relative(dir, file))}`, ''].join('\n'),
    );
    const port = await freePort();
    const child = spawn(NATS_SERVER, ['-c', config, '-a', '127.0.0.1', '-p', String(port)], {
      env: { ...process.env, ...passwordEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const nats = new SecuredNats(child, dir, port);
    const onOutput = (chunk: Buffer) => (nats.output += chunk.toString());
    child.stdout?.on('data', onOutput);
    child.stderr?.on('data', onOutput);
    const deadline = Date.now() + 15_000;
    while (!nats.output.includes('Server is ready')) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await nats.cleanup();
        throw new Error(`nats-server did not start:\n${nats.output.slice(-4000)}`);
      }
      await sleep(50);
    }
    return nats;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** The server's log lines about refused publishes, subscriptions and logins. */
  get violations(): string[] {
    return this.output.split('\n').filter((line) => /Violation|authentication error/i.test(line));
  }

  connect(user: NatsUser): Promise<NatsConnection> {
    return connect({ servers: this.url, user, pass: passwords[user], name: `nats-security-test-${user}` });
  }

  async cleanup(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((done) => this.child.once('exit', () => done()));
      this.child.kill('SIGTERM');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** An authorization file rendered with these options into the server's directory. */
const rendered =
  (...args: string[]) =>
  async (dir: string): Promise<string> => {
    const file = join(dir, 'authorization.conf');
    const { stdout } = await run(process.execPath, [RENDER, ...args]);
    await writeFile(file, stdout);
    return file;
  };

const isPermissionViolation = (error: unknown) => /Permissions Violation/i.test(String((error as Error)?.message));

/**
 * Whether the server lets this connection publish to the subject: a request is refused with a
 * permission violation, else it reaches a responder or none. Only for subjects where a request is
 * harmless: an allowed one really goes through.
 */
async function mayPublish(nc: NatsConnection, subject: string): Promise<boolean> {
  try {
    await nc.request(subject, '{}', { timeout: 500 });
    return true;
  } catch (error) {
    return !isPermissionViolation(error);
  }
}

/** Whether the server accepts a subscription: a refused one is closed with a permission violation. */
async function maySubscribe(nc: NatsConnection, subject: string): Promise<boolean> {
  const sub = nc.subscribe(subject);
  await nc.flush();
  const outcome = await Promise.race([sub.closed, sleep(300).then(() => 'open' as const)]);
  if (outcome === 'open') sub.unsubscribe();
  return outcome === 'open';
}

/** Messages a subscription received, as JSON, with their subjects. */
function collect(nc: NatsConnection, subject: string): { subject: string; body: Record<string, unknown> }[] {
  const received: { subject: string; body: Record<string, unknown> }[] = [];
  nc.subscribe(subject, { callback: (_error, msg: Msg) => void received.push({ subject: msg.subject, body: msg.json() }) });
  return received;
}

describe('deploy/nats authorization files', () => {
  it('checks in authorization.conf exactly as render-authorization.mjs renders it', async () => {
    const { stdout } = await run(process.execPath, [RENDER]);
    expect(stdout).toBe(await readFile(AUTHORIZATION, 'utf8'));
  });

  it('covers exactly the streams and built-in task types of the contracts', async () => {
    const conf = await readFile(AUTHORIZATION, 'utf8');
    const updatable = new Set([...conf.matchAll(/"\$JS\.API\.STREAM\.UPDATE\.([A-Z_]+)"/g)].map((m) => m[1]));
    expect([...updatable].sort()).toEqual(
      Object.values(Streams)
        .map((spec) => spec.name)
        .sort(),
    );
    for (const type of BUILTIN_TASK_TYPES) {
      expect(conf).toContain(`"$JS.API.CONSUMER.CREATE.BATON_TASKS.executor-${type}.baton.tasks.${type}"`);
    }
  });

  it('renders the namespaced rules with every subject and stream qualified', async () => {
    const { stdout } = await run(process.execPath, [RENDER, '--namespace', 'tenant-a']);
    const subjects = [...stdout.matchAll(/^\s+"([^"]+)"$/gm)].map((m) => m[1]);
    expect(subjects.filter((s) => s.startsWith('baton.') || /\bBATON_/.test(s))).toEqual([]);
    expect(subjects).toContain('tenant-a.baton.cmd.start-run');
    expect(subjects).toContain('$JS.API.CONSUMER.CREATE.TENANT_A_BATON_TASKS.executor-http.tenant-a.baton.tasks.http');
  });

  it('makes nats-server.secure.conf a valid configuration once every password is set, and only then', async () => {
    const secure = resolve(DEPLOY, 'nats-server.secure.conf');
    const valid = await run(NATS_SERVER, ['-t', '-c', secure], { env: { ...process.env, ...passwordEnv } });
    expect(valid.stderr + valid.stdout).toContain('is valid');
    const { BATON_NATS_EXECUTOR_PASSWORD: _missing, ...incomplete } = passwordEnv;
    await expect(run(NATS_SERVER, ['-t', '-c', secure], { env: { ...process.env, ...incomplete } })).rejects.toThrow(
      /BATON_NATS_EXECUTOR_PASSWORD/,
    );
  });
});

describe('the NATS users of deploy/nats/authorization.conf', () => {
  let nats: SecuredNats;
  const connections = new Map<NatsUser, NatsConnection>();
  const as = async (user: NatsUser) => {
    if (!connections.has(user)) connections.set(user, await nats.connect(user));
    return connections.get(user)!;
  };

  beforeAll(async () => {
    nats = await SecuredNats.start(AUTHORIZATION);
  });

  afterAll(async () => {
    for (const nc of connections.values()) await nc.close();
    await nats?.cleanup();
  });

  it('refuses anonymous clients and wrong passwords', async () => {
    await expect(connect({ servers: nats.url })).rejects.toThrow(/Authorization Violation/);
    await expect(connect({ servers: nats.url, user: 'gateway', pass: 'not-the-password' })).rejects.toThrow(/Authorization Violation/);
    await expect(connect({ servers: nats.url, user: 'gateway', pass: passwords.executor })).rejects.toThrow(/Authorization Violation/);
  });

  // [user, subject, may publish]
  const publishing: [NatsUser, string, boolean][] = [
    ['gateway', 'baton.events.order.created', true],
    ['gateway', 'baton.audit.allowed', true],
    ['gateway', '$JS.API.STREAM.MSG.GET.BATON_AUDIT', true],
    ['gateway', '$JS.API.STREAM.MSG.GET.BATON_COMMANDS', false],
    ['gateway', 'baton.cmd.start-run', false],
    ['gateway', 'baton.tasks.http', false],
    ['gateway', 'orders.created', false],
    ['registry', 'baton.events.order.created', false],
    ['registry', 'baton.rpc.coordinator.get-run', false],
    ['scheduler', 'baton.cmd.start-run', true],
    ['scheduler', 'baton.cmd.step-due', false],
    ['scheduler', 'baton.tasks.charge-card', false],
    ['coordinator', 'baton.tasks.charge-card', true],
    ['coordinator', 'baton.rpc.registry.get', true],
    ['coordinator', 'baton.rpc.registry.register', false],
    ['coordinator', 'baton.audit.allowed', false],
    ['coordinator', '$JS.API.STREAM.DELETE.BATON_EVENTS', false],
    ['coordinator', '$JS.API.STREAM.PURGE.BATON_COMMANDS', false],
    ['executor', 'orders.created', true],
    ['executor', 'baton.events.order.shipped', true],
    ['executor', 'baton.cmd.start-run', false],
    ['executor', 'baton.cmd.cancel-run', false],
    ['executor', 'baton.tasks.charge-card', false],
    ['executor', 'baton.lifecycle.checkout.completed', false],
    ['executor', 'baton.rpc.coordinator.start-run', false],
    ['executor', '$JS.API.STREAM.DELETE.BATON_TASKS', false],
    ['executor', '$JS.API.CONSUMER.MSG.NEXT.BATON_COMMANDS.coordinator-start-run', false],
    ['executor', '$JS.ACK.BATON_COMMANDS.coordinator-start-run.1.1.1.1.0', false],
    ['executor', '_INBOX.someone-else', false],
    ['executor', '$SYS.REQ.SERVER.PING', false],
    ['notifier', 'ops.alerts', true],
    ['notifier', 'baton.rpc.registry.get', true],
    ['notifier', 'baton.rpc.registry.register', false],
    ['notifier', 'baton.cmd.cancel-run', false],
    ['notifier', 'baton.results.task', false],
    ['worker', 'baton.results.task', true],
    ['worker', '$JS.API.CONSUMER.INFO.BATON_TASKS.worker-charge-card', true],
    ['worker', 'baton.events.order.created', false],
    ['worker', 'baton.cmd.start-run', false],
    ['worker', '$JS.API.CONSUMER.MSG.NEXT.BATON_TASKS.executor-http', false],
    ['worker', '$JS.API.CONSUMER.CREATE.BATON_TASKS.worker-sneaky.baton.tasks.http', false],
    ['worker', '$JS.API.CONSUMER.CREATE.BATON_COMMANDS.worker-sneaky.baton.cmd.start-run', false],
    ['worker', '$JS.API.STREAM.UPDATE.BATON_TASKS', false],
    ['app', 'baton.events.order.created', true],
    ['app', 'orders.created', true],
    ['app', 'baton.cmd.start-run', false],
    ['app', 'baton.results.task', false],
    ['app', 'baton.rpc.registry.register', false],
    ['app', '$JS.API.STREAM.UPDATE.BATON_EVENTS', false],
    ['app', '$JS.API.CONSUMER.CREATE.BATON_COMMANDS.spy.baton.cmd.start-run', false],
    ['app', '_INBOX.someone-else', false],
    ['all-in-one', 'baton.cmd.start-run', true],
    ['all-in-one', 'orders.created', true],
    ['all-in-one', '$JS.API.STREAM.DELETE.BATON_EVENTS', false],
    ['all-in-one', '$JS.API.CONSUMER.DELETE.BATON_TASKS.executor-http', false],
  ];

  it.each(publishing)('%s may publish to %s: %s', async (user, subject, allowed) => {
    expect(await mayPublish(await as(user), subject)).toBe(allowed);
  });

  // [user, subject, may subscribe]
  const subscribing: [NatsUser, string, boolean][] = [
    ['worker', '_INBOX.abc.>', true],
    ['worker', 'baton.lifecycle.>', false],
    ['worker', 'baton.tasks.>', false],
    ['worker', 'baton.results.task', false],
    ['executor', 'baton.rpc.executor.health', true],
    ['executor', 'baton.cmd.>', false],
    ['executor', 'baton.rpc.coordinator.get-run', false],
    ['coordinator', 'baton.rpc.coordinator.start-run', true],
    ['coordinator', 'baton.rpc.registry.get', false],
    ['gateway', 'baton.events.>', false],
    ['app', 'orders.>', true],
    ['app', 'baton.events.>', true],
    ['app', 'baton.cmd.>', false],
    ['app', 'baton.lifecycle.>', false],
    ['app', '$JS.API.>', false],
  ];

  it.each(subscribing)('%s may subscribe to %s: %s', async (user, subject, allowed) => {
    expect(await maySubscribe(await as(user), subject)).toBe(allowed);
  });
});

const TRANSFORM_AND_PUBLISH = `
name: secured-announcement
steps:
  - id: price
    type: transform
    output: { cents: "\${ input.total * 100 }" }
  - id: announce
    type: publish
    subject: tests.secured.announced
    data: { orderId: "\${ input.orderId }", cents: "\${ steps.price.output.cents }" }
output: { cents: "\${ steps.price.output.cents }" }
notifications:
  - on: [completed]
    nats: { subject: tests.secured.finished }
`;

describe('the all-in-one process on user all-in-one (rules rendered for a namespace)', () => {
  const namespace = `sec${randomBytes(3).toString('hex')}`;
  let nats: SecuredNats;
  let platform: Platform;
  let app: NatsConnection;
  let received: { subject: string; body: Record<string, unknown> }[];

  beforeAll(async () => {
    nats = await SecuredNats.start(rendered('--namespace', namespace));
    app = await nats.connect('app');
    received = collect(app, `${namespace}.tests.secured.>`);
    platform = await Platform.start({
      natsUrl: nats.url,
      // The platform's own random namespace is replaced by the one the rules were rendered for.
      env: { NATS_USER: 'all-in-one', NATS_PASSWORD: passwords['all-in-one'], BATON_NAMESPACE: namespace },
    });
  });

  afterAll(async () => {
    await app?.close();
    // Its NATS clean-up connects anonymously, which this server refuses; the database is dropped before that.
    await platform?.cleanup().catch(() => undefined);
    await nats?.cleanup();
  });

  it('runs a transform → publish workflow to completion without a single permission violation', async () => {
    expect((await platform.api('POST', '/v1/definitions', TRANSFORM_AND_PUBLISH)).status).toBe(201);
    const started = await platform.api<RunBody>('POST', '/v1/runs', {
      workflow: 'secured-announcement',
      input: { orderId: 'o-1', total: 2.5 },
    });
    expect(started.status).toBe(201);

    const finished = await platform.waitForRun(started.body.id);
    expect(finished).toMatchObject({ status: 'completed', output: { cents: 250 } });
    await expect
      .poll(() => received.map((m) => m.subject).sort(), { timeout: 15_000 })
      .toEqual([`${namespace}.tests.secured.announced`, `${namespace}.tests.secured.finished`]);
    expect(received.find((m) => m.subject.endsWith('announced'))?.body).toMatchObject({ data: { orderId: 'o-1', cents: 250 } });
    expect(nats.violations).toEqual([]);
    expect(platform.logs).not.toMatch(/Permissions Violation/i);
  });
});

const SECURED_ORDER = (target: HttpTarget) => `
name: secured-order
triggers:
  - event: secured.order.placed
    input: { orderId: "\${ event.data.orderId }", total: "\${ event.data.total }" }
steps:
  - id: price
    type: transform
    output: { cents: "\${ input.total * 100 }" }
  - id: reserve
    type: http
    with:
      method: POST
      url: "${target.url('/reserve')}"
      body: { orderId: "\${ input.orderId }" }
  - id: charge
    type: task
    taskType: secured-charge
    input: { orderId: "\${ input.orderId }", cents: "\${ steps.price.output.cents }" }
  - id: cool-off
    type: delay
    duration: 1s
  - id: paid
    type: waitForEvent
    event: secured.payment.captured
    match: event.data.orderId = input.orderId
    timeout: 60s
  - id: announce
    type: publish
    subject: tests.secured.charged
    data: { orderId: "\${ input.orderId }", chargeId: "\${ steps.charge.output.chargeId }" }
output: { chargeId: "\${ steps.charge.output.chargeId }", reservation: "\${ steps.reserve.output.body.reservation }" }
notifications:
  - on: [completed]
    nats: { subject: tests.secured.finished }
`;

const ADMIN_KEY = `secured-admin-${randomBytes(12).toString('hex')}`;

describe.each([
  { rules: 'deploy/nats/authorization.conf', authorization: AUTHORIZATION as string | ((dir: string) => Promise<string>), narrowed: false },
  // Without the `>` catch-all, the executor's and notifier's own rules are all they have: this proves them.
  { rules: "rules rendered with --app-subjects 'tests.>'", authorization: rendered('--app-subjects', 'tests.>'), narrowed: true },
])('the six services and a worker, each on its own NATS user ($rules)', ({ authorization, narrowed }) => {
  const database = `baton_natsec_${randomBytes(4).toString('hex')}`;
  const processes = new Map<string, ChildProcess>();
  let output = '';
  let nats: SecuredNats;
  let target: HttpTarget;
  let worker: BatonWorker;
  let app: NatsConnection;
  let received: { subject: string; body: Record<string, unknown> }[];
  let httpPort: number;
  const charged: string[] = [];

  const api = async <T = unknown>(method: string, path: string, body?: unknown) => {
    const isText = typeof body === 'string';
    const response = await fetch(`http://127.0.0.1:${httpPort}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_KEY}`,
        ...(body === undefined ? {} : { 'content-type': isText ? 'application/yaml' : 'application/json' }),
      },
      body: body === undefined ? undefined : isText ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };

  const startService = async (service: (typeof SERVICES)[number]) => {
    const child = spawn(process.execPath, [resolve(ROOT, `services/${service}/dist/main.js`)], {
      cwd: ROOT,
      env: {
        ...process.env,
        NATS_URL: nats.url,
        NATS_USER: service,
        NATS_PASSWORD: passwords[service],
        BATON_NAMESPACE: '',
        DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${database}`,
        BATON_METRICS_PORT: '0',
        BATON_HTTP_PORT: String(httpPort),
        BATON_GRPC_PORT: String(await freePort()),
        BATON_API_KEYS: `${ADMIN_KEY}:admin`,
        BATON_LOG_LEVEL: 'warn',
        OTEL_SDK_DISABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onOutput = (chunk: Buffer) => (output += `[${service}] ${chunk.toString()}`);
    child.stdout?.on('data', onOutput);
    child.stderr?.on('data', onOutput);
    processes.set(service, child);
  };

  const waitUntilReady = async () => {
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const exited = [...processes].find(([, child]) => child.exitCode !== null);
      if (exited) throw new Error(`${exited[0]} exited with ${exited[1].exitCode}:\n${output.slice(-4000)}`);
      const ready = await fetch(`http://127.0.0.1:${httpPort}/health/ready`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) return;
      await sleep(250);
    }
    throw new Error(`the services were not ready after 90 s:\n${output.slice(-4000)}`);
  };

  beforeAll(async () => {
    const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${database}"`);
    await admin.end();
    nats = await SecuredNats.start(authorization);
    target = await HttpTarget.start();
    target.respondWith((request) => ({ status: 200, body: { reservation: `r-${JSON.parse(request.body).orderId}` } }));
    httpPort = await freePort();
    for (const service of SERVICES) await startService(service);
    await waitUntilReady();
    worker = new BatonWorker({ servers: nats.url, user: 'worker', pass: passwords.worker });
    worker.handle<{ orderId: string; cents: number }, { chargeId: string }>('secured-charge', async ({ orderId }) => {
      charged.push(orderId);
      return { chargeId: `ch-${orderId}` };
    });
    await worker.start();
    app = await nats.connect('app');
    received = collect(app, 'tests.secured.>');
  });

  afterAll(async () => {
    await worker?.stop();
    await app?.close();
    const exits = [...processes.values()].map((child) =>
      child.exitCode === null ? new Promise<void>((done) => child.once('exit', () => done())) : Promise.resolve(),
    );
    for (const child of [...processes.values()].reverse()) child.kill('SIGTERM');
    await Promise.race([Promise.all(exits), sleep(15_000)]);
    for (const child of processes.values()) if (child.exitCode === null) child.kill('SIGKILL');
    await target?.close();
    await nats?.cleanup();
    const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  });

  it('runs an event-triggered workflow through http, a worker task, a timer, an event wait and a publish', async () => {
    expect((await api('POST', '/v1/definitions', SECURED_ORDER(target))).status).toBe(201);

    // A business system (user app) starts it with a CloudEvent on NATS.
    await publishEvent(app, 'baton.events.secured.order.placed', cloudEvent('secured.order.placed', { orderId: 'o-7', total: 4 }));
    let runId = '';
    await expect
      .poll(
        async () => {
          const { body } = await api<{ items: RunBody[] }>('GET', '/v1/runs?workflow=secured-order');
          runId = body.items?.[0]?.id ?? '';
          return runId;
        },
        { timeout: 30_000 },
      )
      .not.toBe('');
    await expect
      .poll(async () => (await api<RunBody>('GET', `/v1/runs/${runId}`)).body.steps?.find((s) => s.id === 'paid')?.status, {
        timeout: 30_000,
      })
      .toBe('waiting');
    await publishEvent(app, 'baton.events.secured.payment.captured', cloudEvent('secured.payment.captured', { orderId: 'o-7' }));

    await expect.poll(async () => (await api<RunBody>('GET', `/v1/runs/${runId}`)).body.status, { timeout: 30_000 }).toBe('completed');
    const { body: finished } = await api<RunBody>('GET', `/v1/runs/${runId}`);
    expect(finished.output).toEqual({ chargeId: 'ch-o-7', reservation: 'r-o-7' });
    expect(finished.steps.map((s) => [s.id, s.status])).toEqual([
      ['price', 'completed'],
      ['reserve', 'completed'],
      ['charge', 'completed'],
      ['cool-off', 'completed'],
      ['paid', 'completed'],
      ['announce', 'completed'],
    ]);
    expect(charged).toEqual(['o-7']);
    await expect
      .poll(() => received.map((m) => m.subject).sort(), { timeout: 15_000 })
      .toEqual(['tests.secured.charged', 'tests.secured.finished']);

    // The gateway wrote the registration to the audit log and reads it back by stream sequence.
    const audit = await api<{ items: { path: string; outcome: string }[] }>('GET', '/v1/audit?limit=10');
    expect(audit.status).toBe(200);
    expect(audit.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ path: '/v1/definitions', outcome: 'allowed' })]));
  });

  it('lets the executor dead-letter a poison task dispatch', async () => {
    // Only the coordinator may dispatch tasks; this one's body is not JSON.
    const coordinator = await nats.connect('coordinator');
    try {
      await jetstream(coordinator).publish('baton.tasks.http', 'not json', { msgID: `poison-${randomBytes(4).toString('hex')}` });
      const jsm = await jetstreamManager(coordinator);
      await expect.poll(async () => (await jsm.streams.info('BATON_DLQ')).state.messages, { timeout: 15_000 }).toBe(1);
    } finally {
      await coordinator.close();
    }
  });

  it('saw no permission violation from any service or the worker', () => {
    expect(nats.violations).toEqual([]);
    expect(output).not.toMatch(/Permissions Violation/i);
  });

  it.runIf(narrowed)('keeps publish steps and nats notifications to the application subjects', async () => {
    for (const user of ['executor', 'notifier', 'app'] as const) {
      const nc = await nats.connect(user);
      try {
        expect([await mayPublish(nc, 'tests.elsewhere'), await mayPublish(nc, 'orders.created')]).toEqual([true, false]);
      } finally {
        await nc.close();
      }
    }
  });
});
