import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, Platform, sleep, type RunBody } from './support/platform';

const CLI = resolve(__dirname, '../libs/cli/dist/main.js');
const ADMIN = 'cli-admin-key-4e8b2f6a1c9d7e3b';

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

const definitions = {
  'hello.yaml': `name: cli-hello
steps:
  - id: greet
    type: transform
    output: { greeting: "hello \${ input.who }" }
output: "\${ steps.greet.output }"
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

describe('the baton CLI against the platform', () => {
  let platform: Platform;
  let dir: string;
  let configHome: string;

  /** Runs the built CLI as a user would; `auth: false` leaves out --url and --api-key. */
  const baton = (args: string[], { auth = true }: { auth?: boolean } = {}): Promise<Outcome> => {
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: configHome };
    delete env['BATON_URL'];
    delete env['BATON_API_KEY'];
    const all = auth ? [...args, '--url', platform.baseUrl, '--api-key', ADMIN] : args;
    return new Promise((done, fail) => {
      const child = spawn(process.execPath, [CLI, ...all], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('error', fail);
      child.once('close', (code) => done({ code, stdout, stderr }));
    });
  };

  const json = <T>(outcome: Outcome): T => {
    expect(outcome, outcome.stderr).toMatchObject({ code: 0 });
    return JSON.parse(outcome.stdout) as T;
  };

  beforeAll(async () => {
    expect(existsSync(CLI), `${CLI} is missing: build first (npm run build)`).toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'baton-cli-it-'));
    configHome = join(dir, 'config');
    mkdirSync(join(dir, 'definitions'));
    for (const [file, text] of Object.entries(definitions)) writeFileSync(join(dir, 'definitions', file), text);
    platform = await Platform.start({ env: { BATON_API_KEYS: `${ADMIN}:admin` } });
  });

  afterAll(async () => {
    await platform?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('applies a folder of YAML definitions, then reports them unchanged', async () => {
    const first = await baton(['apply', '-f', join(dir, 'definitions')]);
    expect(first, first.stderr).toMatchObject({ code: 0 });
    expect(first.stdout).toMatch(/created\s+cli-failing v1/);
    expect(first.stdout).toMatch(/created\s+cli-hello v1/);
    expect(first.stdout).toMatch(/created\s+cli-triggered v1 .*more\.yaml#1/);
    expect(first.stdout).toMatch(/created\s+cli-nightly v1 .*more\.yaml#2/);

    const again = await baton(['apply', '-f', join(dir, 'definitions', 'hello.yaml')]);
    expect(again.stdout).toMatch(/unchanged\s+cli-hello v1/);
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
    expect(completed.stdout).toMatch(/^run [0-9a-f-]{36} completed/);
    expect(completed.stdout).toContain('output: {"greeting":"hello ada"}');

    const failed = await baton(['run', 'cli-failing', '--wait']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^run [0-9a-f-]{36} failed/);
    expect(failed.stdout).toMatch(/^error: .*out of stock/m);

    const asJson = json<{ status: string; output: unknown }>(
      await baton(['run', 'cli-hello', '--input', '{"who":"bo"}', '--wait', '-o', 'json']),
    );
    expect(asJson).toMatchObject({ status: 'completed', output: { greeting: 'hello bo' } });
  });

  it('lists runs as JSON that parses, and shows one run with its steps', async () => {
    const page = json<{ items: { id: string; status: string }[]; nextCursor: string | null }>(
      await baton(['runs', 'list', '--workflow', 'cli-hello', '--output', 'json']),
    );
    expect(page.items.length).toBeGreaterThanOrEqual(2);
    expect(page.items.every((run) => run.status === 'completed')).toBe(true);

    const table = await baton(['runs', 'list', '--status', 'failed']);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+WORKFLOW\s+STATUS/);
    expect(table.stdout).toContain('cli-failing v1');

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
    expect(nowhere.stderr).toMatch(/^error: nothing answers at http:\/\/127\.0\.0\.1:\d+; start the platform with `npm start`/);

    const dev = await baton(['dev', '--url', platform.baseUrl], { auth: false });
    expect(dev.code).toBe(0);
    expect(dev.stdout).toContain('npm install && npm start');
    expect(dev.stdout).toContain(`${platform.baseUrl}: ready`);
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
