import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpTarget } from './support/http-target';
import { ADMIN_DATABASE_URL, freePort, Platform, sleep, type RunBody } from './support/platform';

const CLI = resolve(__dirname, '../libs/cli/dist/main.js');
const ADMIN = 'cli-admin-key-4e8b2f6a1c9d7e3b';

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A CLI process still going: what it printed so far, and its outcome once it ends. */
interface Launched {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  done: Promise<Outcome>;
}

/** Drops what a `baton dev` platform made, as Platform.cleanup does: its database and its namespace's streams. */
async function dropPlatformData(database: string, namespace: string, natsUrl: string): Promise<void> {
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    for await (const stream of jsm.streams.list()) {
      if (stream.config.name.startsWith(`${namespace.toUpperCase()}_`)) await jsm.streams.delete(stream.config.name);
    }
  } finally {
    await nc.close();
  }
}

const definitions = {
  'hello.yaml': `name: cli-hello
steps:
  - id: greet
    type: transform
    output: { greeting: "hello \${ input.who }" }
output: "\${ steps.greet.output }"
`,
  // Waits for a decision that never comes, unless the run is cancelled.
  'approval.yaml': `name: cli-approval
steps:
  - id: manager
    type: approval
  - id: after
    type: transform
    output: { approved: true }
`,
  'failing.yaml': `name: cli-failing
steps:
  - id: boom
    type: fail
    error: "out of stock"
`,
  // Two documents in one file: a workflow started by events, and one with a cron schedule.
  'more.yaml': `name: cli-triggered
triggers:
  - event: cli.order.created
    input: { orderId: "\${ event.data.orderId }" }
steps:
  - id: echo
    type: transform
    output: "\${ input }"
output: "\${ steps.echo.output }"
---
name: cli-nightly
triggers:
  - schedule: "0 3 * * *"
steps:
  - id: report
    type: transform
    output: { ok: true }
`,
};

/** A workflow of three steps, one after the other: a slow HTTP call, a short delay, a transform. */
const steps = (target: HttpTarget) => `name: cli-steps
steps:
  - id: reserve
    type: http
    with:
      method: POST
      url: "${target.url('/reserve')}"
  - id: cool-off
    type: delay
    duration: 1s
  - id: ship
    type: transform
    output: { shipped: true }
output: "\${ steps.ship.output }"
`;

describe('the baton CLI against the platform', () => {
  let platform: Platform;
  let target: HttpTarget;
  let dir: string;
  let configHome: string;

  /** Starts the built CLI as a user would; `auth: false` leaves out --url and --api-key; `env` adds to the environment. */
  const launch = (args: string[], { auth = true, env: extra = {} }: { auth?: boolean; env?: Record<string, string> } = {}): Launched => {
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: configHome };
    delete env['BATON_URL'];
    delete env['BATON_API_KEY'];
    Object.assign(env, extra);
    const all = auth ? [...args, '--url', platform.baseUrl, '--api-key', ADMIN] : args;
    const child = spawn(process.execPath, [CLI, ...all], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const done = new Promise<Outcome>((resolveOutcome, fail) => {
      child.once('error', fail);
      child.once('close', (code) => resolveOutcome({ code, stdout, stderr }));
    });
    return {
      child,
      done,
      get stdout() {
        return stdout;
      },
      get stderr() {
        return stderr;
      },
    };
  };

  /** Runs the built CLI to its end. */
  const baton = (args: string[], options: { auth?: boolean; env?: Record<string, string> } = {}): Promise<Outcome> =>
    launch(args, options).done;

  const json = <T>(outcome: Outcome): T => {
    expect(outcome, outcome.stderr).toMatchObject({ code: 0 });
    return JSON.parse(outcome.stdout) as T;
  };

  beforeAll(async () => {
    expect(existsSync(CLI), `${CLI} is missing: build first (npm run build)`).toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'baton-cli-it-'));
    configHome = join(dir, 'config');
    mkdirSync(join(dir, 'definitions'));
    target = await HttpTarget.start();
    for (const [file, text] of Object.entries({ ...definitions, 'steps.yaml': steps(target) })) {
      writeFileSync(join(dir, 'definitions', file), text);
    }
    platform = await Platform.start({ env: { BATON_API_KEYS: `${ADMIN}:admin` } });
  });

  afterAll(async () => {
    await platform?.cleanup();
    await target?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('dry-runs apply: validates every definition and says what it would register, registering nothing', async () => {
    const dry = await baton(['apply', '-f', join(dir, 'definitions'), '--dry-run']);
    expect(dry, dry.stderr).toMatchObject({ code: 0 });
    expect(dry.stdout).toMatch(/^would create\s+cli-hello v1\s+\(.*hello\.yaml\)$/m);
    expect(dry.stdout).toMatch(/^would create\s+cli-steps v1 /m);
    expect(dry.stdout).toMatch(/^would create\s+cli-nightly v1 .*more\.yaml#2\)$/m);
    expect(dry.stdout.trimEnd().split('\n')).toHaveLength(6);
    expect(dry.stderr).toContain('dry run: nothing was registered');

    // One invalid file among valid ones: exit 1 with its errors; the valid one is only reported.
    mkdirSync(join(dir, 'mixed'));
    writeFileSync(join(dir, 'mixed', 'a-broken.yaml'), 'name: Not A Name\nsteps: []\n');
    writeFileSync(join(dir, 'mixed', 'b-hello.yaml'), definitions['hello.yaml']);
    const mixed = await baton(['apply', '-f', join(dir, 'mixed'), '--dry-run', '-o', 'json']);
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toMatch(/a-broken\.yaml: the definition is invalid\n {2}name: name must match/);
    expect(JSON.parse(mixed.stdout)).toEqual([
      { file: join(dir, 'mixed', 'a-broken.yaml'), error: expect.objectContaining({ status: 400 }) as unknown },
      { file: join(dir, 'mixed', 'b-hello.yaml'), valid: true, name: 'cli-hello', version: 1, created: true },
    ]);

    expect(json<{ items: unknown[] }>(await baton(['definitions', 'list', '-o', 'json'])).items).toEqual([]);
  });

  it('applies a folder of YAML definitions, then reports them unchanged', async () => {
    const first = await baton(['apply', '-f', join(dir, 'definitions')]);
    expect(first, first.stderr).toMatchObject({ code: 0 });
    expect(first.stdout).toMatch(/created\s+cli-failing v1/);
    expect(first.stdout).toMatch(/created\s+cli-hello v1/);
    expect(first.stdout).toMatch(/created\s+cli-triggered v1 .*more\.yaml#1/);
    expect(first.stdout).toMatch(/created\s+cli-nightly v1 .*more\.yaml#2/);
    expect(first.stdout).toMatch(/created\s+cli-steps v1/);
    expect(first.stdout).toMatch(/created\s+cli-approval v1/);

    const again = await baton(['apply', '-f', join(dir, 'definitions', 'hello.yaml')]);
    expect(again.stdout).toMatch(/unchanged\s+cli-hello v1/);

    // A dry run now tells an unchanged definition from a changed one, and still registers nothing.
    const changed = join(dir, 'hello-v2.yaml');
    writeFileSync(changed, definitions['hello.yaml'].replace('"hello ', '"hi '));
    expect((await baton(['apply', '-f', join(dir, 'definitions', 'hello.yaml'), '--dry-run'])).stdout).toMatch(
      /^unchanged\s+cli-hello v1 /,
    );
    expect((await baton(['apply', '-f', changed, '--dry-run'])).stdout).toMatch(/^would create\s+cli-hello v2 /);
    expect((await baton(['definitions', 'get', 'cli-hello', '-o', 'table'])).stdout).toMatch(/^version:\s+1$/m);
    const listed = await baton(['definitions', 'list']);
    expect(listed.stdout.split('\n')[0]).toMatch(/^NAME\s+LATEST\s+UPDATED/);
    expect(listed.stdout).toContain('cli-hello');
  });

  it('validates a broken definition: exit 1 with each error at its path', async () => {
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'name: Not A Name\nsteps:\n  - id: call\n    type: http\n');
    const outcome = await baton(['validate', '-f', broken]);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/^ {2}name: name must match/m);
    expect(outcome.stderr).toMatch(/^ {2}steps\[0\][^:]*: /m);

    const valid = await baton(['validate', '-f', join(dir, 'definitions', 'hello.yaml')]);
    expect(valid).toMatchObject({ code: 0, stdout: expect.stringContaining('valid') as unknown });
  });

  it('runs a workflow to completion with --wait (exit 0), and a failing one (exit 1)', async () => {
    const completed = await baton(['run', 'cli-hello', '--input', '{"who":"ada"}', '--wait', '--timeout', '30s']);
    expect(completed, completed.stderr).toMatchObject({ code: 0 });
    expect(completed.stderr).toMatch(/^started run [0-9a-f-]{36} \(cli-hello v1\)/);
    expect(completed.stdout).toMatch(/^ {2}greet {2}completed \d+ ms\nrun [0-9a-f-]{36} completed in \d+ ms\n/);
    expect(completed.stdout).toContain('output: {"greeting":"hello ada"}');

    const failed = await baton(['run', 'cli-failing', '--wait']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^ {2}boom {2}failed .*out of stock$/m);
    expect(failed.stdout).toMatch(/^run [0-9a-f-]{36} failed/m);
    expect(failed.stdout).toMatch(/^error: .*out of stock/m);

    const asJson = json<{ status: string; output: unknown }>(
      await baton(['run', 'cli-hello', '--input', '{"who":"bo"}', '--wait', '-o', 'json']),
    );
    expect(asJson).toMatchObject({ status: 'completed', output: { greeting: 'hello bo' } });
  });

  it('follows a multi-step run with --wait: one line per step change, as it happens, in order', async () => {
    target.respondWith(() => ({ status: 200, body: { reserved: true }, delayMs: 700 }));
    const outcome = await baton(['run', 'cli-steps', '--wait', '--timeout', '30s']);
    expect(outcome, outcome.stderr).toMatchObject({ code: 0 });
    const lines = outcome.stdout.trimEnd().split('\n');
    expect(lines.slice(-2)).toEqual([expect.stringMatching(/^run [0-9a-f-]{36} completed in /), 'output: {"shipped":true}']);
    const progress = lines.slice(0, -2);
    for (const line of progress) expect(line).toMatch(/^ {2}(reserve {3}|cool-off {2}|ship {6})\S/);
    // Each change is seen once, in the order it happened (a poll may also catch a step `scheduled`).
    const changes = progress.map((line) => line.trim().split(/\s+/).slice(0, 2).join(' '));
    expect(new Set(changes).size).toBe(changes.length);
    const expected = ['reserve running', 'reserve completed', 'cool-off waiting', 'cool-off completed', 'ship completed'];
    expect(changes.filter((change) => expected.includes(change))).toEqual(expected);
    expect(progress).toContain('  reserve   running (attempt 1)');
    expect(progress).toContainEqual(expect.stringMatching(/^ {2}reserve {3}completed \d+ ms$/));
    expect(progress).toContainEqual(expect.stringMatching(/^ {2}cool-off {2}waiting \(until \d{4}-\d\d-\d\dT[\d:.]+Z\)$/));
    expect(progress.at(-1)).toMatch(/^ {2}ship {6}completed \d+ ms$/);

    // With --output json, stdout is the run it ended with, and nothing else.
    const asJson = json<{ status: string; steps: { id: string; status: string }[] }>(
      await baton(['run', 'cli-steps', '--wait', '--output', 'json']),
    );
    expect(asJson.status).toBe('completed');
    expect(asJson.steps.map((step) => `${step.id} ${step.status}`)).toEqual(['reserve completed', 'cool-off completed', 'ship completed']);
  });

  it('cancels a run waiting for an approval, which a --wait following it sees end cancelled (exit 1)', async () => {
    const following = launch(['run', 'cli-approval', '--wait', '--timeout', '60s']);
    await expect.poll(() => following.stdout, { timeout: 15_000 }).toMatch(/^ {2}manager {2}waiting \(for approval: baton runs signal/m);
    const id = /^started run ([0-9a-f-]{36}) /.exec(following.stderr)?.[1];
    expect(id, following.stderr).toBeDefined();

    const waiting = json<{ status: string; waitingFor: { kind: string }[] }>(await baton(['runs', 'get', id!]));
    expect(waiting).toMatchObject({ status: 'running', waitingFor: [{ kind: 'approval' }] });
    const cancelled = await baton(['runs', 'cancel', id!, '--reason', 'not needed any more']);
    expect(cancelled, cancelled.stderr).toMatchObject({ code: 0, stdout: `run ${id}: cancelled\n` });

    const ended = await following.done;
    expect(ended.code).toBe(1);
    expect(ended.stdout).toMatch(new RegExp(`^run ${id} cancelled`, 'm'));
    expect(json<{ status: string }>(await baton(['runs', 'get', id!])).status).toBe('cancelled');
    const listed = json<{ items: { id: string; status: string }[] }>(
      await baton(['runs', 'list', '--workflow', 'cli-approval', '--output', 'json']),
    );
    expect(listed.items).toEqual([expect.objectContaining({ id, status: 'cancelled' })]);
  });

  it('lists runs as JSON that parses, and shows one run with its steps', async () => {
    const page = json<{ items: { id: string; status: string }[]; nextCursor: string | null }>(
      await baton(['runs', 'list', '--workflow', 'cli-hello', '--output', 'json']),
    );
    expect(page.items.length).toBeGreaterThanOrEqual(2);
    expect(page.items.every((run) => run.status === 'completed')).toBe(true);

    const table = await baton(['runs', 'list', '--workflow', 'cli-hello', '--output', 'table']);
    const [header, ...rows] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+WORKFLOW\s+STATUS\s+TRIGGER\s+CREATED\s+TOOK\s+ERROR$/);
    expect(rows.map((row) => row.split(/\s+/)[0])).toEqual(page.items.map((run) => run.id));
    for (const row of rows) expect(row).toMatch(/^[0-9a-f-]{36}\s+cli-hello v1\s+completed\s+api\s+/);
    const failed = await baton(['runs', 'list', '--status', 'failed']);
    expect(failed.stdout.split('\n')[0]).toMatch(/^ID\s+WORKFLOW\s+STATUS/);
    expect(failed.stdout).toContain('cli-failing v1');

    const id = page.items[0].id;
    const run = json<{ id: string; steps: { id: string; status: string }[] }>(await baton(['runs', 'get', id]));
    expect(run).toMatchObject({ id, steps: [{ id: 'greet', status: 'completed' }] });
    const details = await baton(['runs', 'get', id, '-o', 'table']);
    expect(details.stdout).toMatch(/^status:\s+completed$/m);
    expect(details.stdout).toMatch(/^greet\s+transform\s+completed\s+1/m);
    const history = await baton(['runs', 'history', id]);
    expect(history.stdout).toContain('RunStarted');
  });

  it('publishes an event that starts the triggered workflow', async () => {
    const published = await baton([
      'events',
      'publish',
      'cli.order.created',
      '--data',
      '{"orderId":"o-7"}',
      '--source',
      'cli-it',
      '--id',
      'evt-1',
    ]);
    expect(published, published.stderr).toMatchObject({ code: 0 });
    expect(published.stdout).toBe('published cli.order.created event evt-1 from cli-it\n');

    let items: { id: string; status: string }[] = [];
    for (let tries = 0; tries < 60 && items.length === 0; tries++) {
      items = json<{ items: { id: string; status: string }[] }>(
        await baton(['runs', 'list', '--workflow', 'cli-triggered', '-o', 'json']),
      ).items;
      if (items.length === 0) await sleep(250);
    }
    expect(items).toHaveLength(1);
    const read = async () =>
      (await platform.api<RunBody>('GET', `/v1/runs/${items[0].id}`, undefined, { authorization: `Bearer ${ADMIN}` })).body;
    await expect.poll(async () => (await read()).status, { timeout: 15_000 }).toBe('completed');
    expect((await read()).output).toEqual({ orderId: 'o-7' });
  });

  it('lists schedules and shows insights', async () => {
    let listed: Outcome | undefined;
    for (let tries = 0; tries < 40; tries++) {
      listed = await baton(['schedules', 'list']);
      if (listed.stdout.includes('cli-nightly.0')) break;
      await sleep(250);
    }
    expect(listed?.stdout).toMatch(/cli-nightly\.0\s+1\s+0 3 \* \* \*\s+UTC\s+no/);

    const insights = json<{ workflow: string; runs: { started: number; completed: number } }>(
      await baton(['insights', 'cli-hello', '--window', '1h']),
    );
    expect(insights.workflow).toBe('cli-hello');
    expect(insights.runs.completed).toBeGreaterThanOrEqual(2);
    const table = await baton(['insights', 'cli-hello', '-o', 'table']);
    expect(table.stdout).toMatch(/^critical path:\s+greet$/m);

    const audit = await baton(['audit', '--limit', '5']);
    expect(audit.stdout).toMatch(/POST \/v1\//);
  });

  it('explains a 401 without a key, and a platform that is not there', async () => {
    const denied = await baton(['runs', 'list', '--url', platform.baseUrl], { auth: false });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^error: 401 Unauthorized/);
    expect(denied.stderr).toContain('--api-key');

    const nowhere = await baton(['runs', 'list', '--url', `http://127.0.0.1:${await freePort()}`], { auth: false });
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toMatch(
      /^error: nothing answers at http:\/\/127\.0\.0\.1:\d+; start the platform with `npm start` or `baton dev`/,
    );
  });

  it('checks with dev --check whether the platform is up at the URL', async () => {
    const up = await baton(['dev', '--check', '--url', platform.baseUrl], { auth: false });
    expect(up, up.stderr).toMatchObject({ code: 0 });
    expect(up.stdout).toMatch(new RegExp(`^${platform.baseUrl}: ready \\(.*coordinator up`));

    const url = `http://127.0.0.1:${await freePort()}`;
    const down = await baton(['dev', '--check', '--url', url], { auth: false });
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(new RegExp(`^${url}: not running: nothing answers at ${url}.*; start it with: baton dev$`, 'm'));
  });

  it('starts the whole platform with baton dev, which says where the API is and stops cleanly on SIGINT', async () => {
    // Not where a platform already answers.
    const taken = await baton(['dev'], { auth: false, env: { BATON_HTTP_PORT: String(platform.httpPort) } });
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain(`error: something already answers at ${platform.baseUrl}`);

    const namespace = `it${randomBytes(4).toString('hex')}`;
    const database = `baton_${namespace}`;
    const url = `http://127.0.0.1:${await freePort()}`;
    const env = {
      DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${database}`,
      NATS_URL: platform.natsUrl,
      BATON_NAMESPACE: namespace,
      BATON_HTTP_PORT: new URL(url).port,
      BATON_GRPC_PORT: String(await freePort()),
      BATON_LOG_LEVEL: 'warn',
      OTEL_SDK_DISABLED: 'true',
    };
    const dev = launch(['dev'], { auth: false, env });
    try {
      await expect
        .poll(() => (dev.child.exitCode === null ? dev.stderr : `exited ${dev.child.exitCode}: ${dev.stderr}${dev.stdout}`), {
          timeout: 90_000,
          interval: 250,
        })
        .toContain(`Baton is ready: the admin API is at ${url} (OpenAPI at ${url}/docs)`);
      expect(dev.stderr).toContain(`export BATON_URL=${url}`);
      expect((await fetch(`${url}/health/ready`)).status).toBe(200);
      // It is the platform: it takes definitions and runs them.
      const hello = join(dir, 'definitions', 'hello.yaml');
      expect((await baton(['apply', '-f', hello, '--url', url], { auth: false })).stdout).toMatch(/created\s+cli-hello v1/);
      const run = await baton(['run', 'cli-hello', '--input', '{"who":"dev"}', '--wait', '--url', url], { auth: false });
      expect(run, run.stderr).toMatchObject({ code: 0 });

      dev.child.kill('SIGINT');
      const stopped = await dev.done;
      expect(stopped, stopped.stderr).toMatchObject({ code: 0 });
      expect(stopped.stderr).toContain('stopping the platform');
      await expect(fetch(`${url}/health/ready`)).rejects.toThrow();
    } finally {
      if (dev.child.exitCode === null) {
        dev.child.kill('SIGTERM');
        await dev.done;
      }
      await dropPlatformData(database, namespace, platform.natsUrl);
    }
  });

  it('saves a profile, masks its key, and uses it', async () => {
    const saved = await baton(['config', 'set-profile', 'it', '--url', platform.baseUrl, '--api-key', ADMIN], { auth: false });
    expect(saved, saved.stderr).toMatchObject({ code: 0 });
    expect(saved.stdout).not.toContain(ADMIN);
    expect(JSON.parse(readFileSync(join(configHome, 'baton', 'config.json'), 'utf8'))).toMatchObject({
      current: 'it',
      profiles: { it: { url: platform.baseUrl, apiKey: ADMIN } },
    });

    const listed = await baton(['config', 'list'], { auth: false });
    expect(listed.stdout).toMatch(/\*\s+it\s+http:\/\/127\.0\.0\.1:\d+\s+cli-…3b/);
    expect(listed.stdout).not.toContain(ADMIN);

    const viaProfile = await baton(['definitions', 'list', '--profile', 'it'], { auth: false });
    expect(viaProfile, viaProfile.stderr).toMatchObject({ code: 0 });
    expect(viaProfile.stdout).toContain('cli-hello');
    const viaCurrent = await baton(['runs', 'list', '--workflow', 'cli-hello'], { auth: false });
    expect(viaCurrent, viaCurrent.stderr).toMatchObject({ code: 0 });
    expect(viaCurrent.stdout).toContain('cli-hello v1');
  });
});
