import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Platform, sleep } from './support/platform';

interface ScheduleBody {
  id: string;
  workflow: string;
  schedule: string;
  timezone: string;
  paused: boolean;
  nextFireAt?: string;
  lastFireAt?: string;
  lastRunId?: string;
  lastSkippedAt?: string;
}

interface ScheduledRun {
  id: string;
  status: string;
  createdAt: string;
  input: { fireTime?: string };
  trigger: { kind: string; scheduleId?: string; fireTime?: string };
}

/** A workflow with one schedule trigger; its runs echo the fire time and optionally wait. */
const scheduled = (name: string, trigger: Record<string, unknown>, waitFor?: string) => ({
  name,
  triggers: [{ input: { fireTime: '${ schedule.fireTime }' }, ...trigger }],
  steps: [waitFor ? { id: 'work', type: 'delay', duration: waitFor } : { id: 'work', type: 'transform', output: '${ input }' }],
});

/** The runs a schedule started, oldest fire first. */
async function scheduledRuns(platform: Platform, workflow: string): Promise<ScheduledRun[]> {
  const { body } = await platform.api<{ items: { id: string }[] }>('GET', `/v1/runs?workflow=${workflow}&limit=500`);
  const runs = await Promise.all(body.items.map(async ({ id }) => (await platform.api<ScheduledRun>('GET', `/v1/runs/${id}`)).body));
  return runs.sort((a, b) => String(a.trigger.fireTime).localeCompare(String(b.trigger.fireTime)));
}

describe('cron schedules', () => {
  let platform: Platform;

  const register = async (definition: unknown) => expect((await platform.api('POST', '/v1/definitions', definition)).status).toBe(201);
  const schedules = async (workflow?: string) =>
    (await platform.api<{ items: ScheduleBody[] }>('GET', `/v1/schedules${workflow ? `?workflow=${workflow}` : ''}`)).body.items;
  const scheduleOf = async (workflow: string) => {
    await expect.poll(async () => (await schedules(workflow)).length, { timeout: 10_000 }).toBe(1);
    return (await schedules(workflow))[0];
  };
  /** Full runs of a workflow, oldest fire first. */
  const runsOf = (workflow: string) => scheduledRuns(platform, workflow);
  const fireTimes = (runs: ScheduledRun[]) => runs.map((run) => run.trigger.fireTime ?? '');

  beforeAll(async () => {
    platform = await Platform.start();
  });

  afterAll(async () => {
    await platform?.cleanup();
  });

  it('lists a schedule with its next fire time in its time zone', async () => {
    await register(scheduled('paris-morning', { schedule: '0 9 * * *', timezone: 'Europe/Paris', misfire: 'skip' }));
    const schedule = await scheduleOf('paris-morning');
    expect(schedule).toMatchObject({
      id: 'paris-morning.0',
      schedule: '0 9 * * *',
      timezone: 'Europe/Paris',
      paused: false,
      misfire: 'skip',
    });
    const next = new Date(schedule.nextFireAt ?? '');
    expect(next.toLocaleTimeString('en-GB', { timeZone: 'Europe/Paris' })).toBe('09:00:00');
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(25 * 3600_000);
  });

  it('fires on time, once per fire time, and stops while paused', async () => {
    await register(scheduled('every-two-seconds', { schedule: '*/2 * * * * *' }));
    await scheduleOf('every-two-seconds');
    await expect.poll(async () => (await runsOf('every-two-seconds')).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(3);

    const paused = await platform.api<ScheduleBody>('POST', '/v1/schedules/every-two-seconds.0/pause');
    expect(paused.body).toMatchObject({ paused: true });
    expect(paused.body.nextFireAt).toBeUndefined();
    await sleep(500); // a fire claimed just before the pause may still be on its way
    const runs = await runsOf('every-two-seconds');
    for (const run of runs) {
      expect(run.trigger).toMatchObject({ kind: 'schedule', scheduleId: 'every-two-seconds.0' });
      expect(run.input.fireTime).toBe(run.trigger.fireTime);
      expect(new Date(run.trigger.fireTime ?? '').getUTCSeconds() % 2).toBe(0);
      // Started within a second of its fire time.
      expect(new Date(run.createdAt).getTime() - new Date(run.trigger.fireTime ?? '').getTime()).toBeLessThan(1000);
    }
    expect(new Set(fireTimes(runs)).size).toBe(runs.length);

    await sleep(3000);
    expect((await runsOf('every-two-seconds')).length).toBe(runs.length);
    const resumed = await platform.api<ScheduleBody>('POST', '/v1/schedules/every-two-seconds.0/resume');
    expect(resumed.body.paused).toBe(false);
    expect(new Date(resumed.body.nextFireAt ?? '').getTime()).toBeGreaterThan(Date.now() - 1000);
    await expect.poll(async () => (await runsOf('every-two-seconds')).length, { timeout: 10_000 }).toBeGreaterThan(runs.length);
    await platform.api('POST', '/v1/schedules/every-two-seconds.0/pause');
  });

  it('runs a schedule now on request, and backfills a past window once', async () => {
    await register(scheduled('hourly-rollup', { schedule: '0 * * * *' }));
    await scheduleOf('hourly-rollup');
    const now = await platform.api<{ runIds: string[] }>('POST', '/v1/schedules/hourly-rollup.0/trigger');
    expect(now.status).toBe(202);
    expect(now.body.runIds).toHaveLength(1);
    expect((await platform.waitForRun(now.body.runIds[0])).status).toBe('completed');

    const window = { from: '2026-01-01T00:00:00Z', to: '2026-01-01T04:00:00Z' };
    const backfilled = await platform.api<{ runIds: string[] }>('POST', '/v1/schedules/hourly-rollup.0/backfill', window);
    expect(backfilled.body.runIds).toHaveLength(5);
    const again = await platform.api<{ runIds: string[] }>('POST', '/v1/schedules/hourly-rollup.0/backfill', window);
    expect(again.body.runIds).toEqual(backfilled.body.runIds);
    await expect.poll(async () => (await runsOf('hourly-rollup')).length, { timeout: 10_000 }).toBe(6);
    await sleep(1000);
    const runs = await runsOf('hourly-rollup');
    expect(runs).toHaveLength(6);
    expect(fireTimes(runs).slice(0, 5)).toEqual([0, 1, 2, 3, 4].map((h) => `2026-01-01T0${h}:00:00.000Z`));

    const invalid = await platform.api<{ errors: { path: string }[] }>('POST', '/v1/schedules/hourly-rollup.0/backfill', {
      from: 'yesterday',
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.map((e) => e.path).sort()).toEqual(['from', 'to']);
    expect((await platform.api('POST', '/v1/schedules/no-such.0/trigger')).status).toBe(404);
  });

  it('overlap: skip leaves a fire out while the previous run is active; cancelPrevious cancels it', async () => {
    await register(scheduled('slow-skip', { schedule: '* * * * * *', overlap: 'skip' }, '2500ms'));
    await register(scheduled('slow-cancel', { schedule: '*/2 * * * * *', overlap: 'cancelPrevious' }, '10s'));
    await scheduleOf('slow-skip');
    await scheduleOf('slow-cancel');
    await sleep(6500);
    await platform.api('POST', '/v1/schedules/slow-skip.0/pause');
    await platform.api('POST', '/v1/schedules/slow-cancel.0/pause');
    await sleep(500);

    const skipped = await runsOf('slow-skip');
    // One fire per second for 6 s, but each run lasts 2.5 s: at most one run at a time.
    expect(skipped.length).toBeGreaterThanOrEqual(2);
    expect(skipped.length).toBeLessThanOrEqual(3);
    const gaps = skipped.slice(1).map((run, i) => Date.parse(run.trigger.fireTime ?? '') - Date.parse(skipped[i].trigger.fireTime ?? ''));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(2500);
    expect((await scheduleOf('slow-skip')).lastSkippedAt).toBeDefined();

    const cancelling = await runsOf('slow-cancel');
    expect(cancelling.length).toBeGreaterThanOrEqual(2);
    for (const run of cancelling.slice(0, -1)) {
      expect((await platform.waitForRun(run.id, ['cancelled'], 5000)).status).toBe('cancelled');
    }
  });

  it('after an outage, skip, fireOnce and catchUp make up missed fires as documented', async () => {
    for (const [name, misfire] of [
      ['missed-skip', { misfire: 'skip' }],
      ['missed-once', {}],
      ['missed-catch-up', { misfire: 'catchUp', catchUpLimit: 3 }],
    ] as const) {
      await register(scheduled(name, { schedule: '* * * * *', ...misfire }));
      await scheduleOf(name);
    }
    // The scheduler is down for five minutes: its schedules still say the fire of five minutes ago is next.
    await platform.stop();
    const db = new Client({ connectionString: `postgres://postgres@127.0.0.1:5432/${platform.database}` });
    await db.connect();
    const { rows } = await db.query<{ minute: Date }>(
      `UPDATE "scheduler"."schedules" SET "next_fire_at" = date_trunc('minute', now()) - interval '5 minutes' WHERE "workflow" LIKE 'missed-%'
       RETURNING date_trunc('minute', now()) AS "minute"`,
    );
    await db.end();
    await platform.launch();

    // Each has exactly one fire in the last minute (on time), plus what its policy keeps of the earlier ones;
    // a regular fire of the following minute (when the test crosses one) is not part of the outage.
    const outageEnd = rows[0].minute.getTime() + 60_000;
    const outageRunsOf = async (workflow: string) =>
      (await runsOf(workflow)).filter((run) => Date.parse(run.trigger.fireTime ?? '') < outageEnd);
    await expect.poll(async () => (await outageRunsOf('missed-catch-up')).length, { timeout: 15_000 }).toBe(4);
    await sleep(1000);
    expect((await outageRunsOf('missed-skip')).length).toBe(1);
    expect((await outageRunsOf('missed-once')).length).toBe(2);
    const caughtUp = fireTimes(await outageRunsOf('missed-catch-up')).map((t) => Date.parse(t));
    expect(caughtUp.slice(1).map((t, i) => t - caughtUp[i])).toEqual([60_000, 60_000, 60_000]);
  });
});

describe('exactly once with two scheduler replicas', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await Platform.start();
  });

  afterAll(async () => {
    await platform?.cleanup();
  });

  it('gives every due fire exactly one run, across replicas and a crash of one of them', async () => {
    const workflows = Array.from({ length: 20 }, (_, i) => `tick-${i}`);
    for (const name of workflows) {
      const definition = {
        name,
        triggers: [{ schedule: '* * * * * *', input: { fireTime: '${ schedule.fireTime }' } }],
        steps: [{ id: 'noop', type: 'transform', output: 1 }],
      };
      expect((await platform.api('POST', '/v1/definitions', definition)).status).toBe(201);
    }
    const replica = platform.startReplica('scheduler');
    await sleep(5000);
    // The all-in-one process (with its scheduler) dies mid-flight and comes back; the replica carries on.
    await platform.kill();
    await sleep(1500);
    await platform.launch();
    await sleep(4000);
    for (const name of workflows) await platform.api('POST', `/v1/schedules/${name}.0/pause`);
    await sleep(1500);
    expect(replica.exitCode).toBeNull();

    const fireTimesOf = async (name: string) => (await scheduledRuns(platform, name)).map((run) => Date.parse(run.trigger.fireTime ?? ''));
    const gapsIn = (times: number[]) => times.slice(1).filter((t, i) => t - times[i] !== 1000).length;
    // A start command the killed process had taken but not acknowledged is redelivered once its ack
    // wait (15 s) has passed, so the last runs may still be on their way: wait for them.
    await expect
      .poll(async () => (await Promise.all(workflows.map(async (name) => gapsIn(await fireTimesOf(name))))).reduce((a, b) => a + b, 0), {
        timeout: 30_000,
        interval: 1000,
      })
      .toBe(0);

    let total = 0;
    for (const name of workflows) {
      const times = await fireTimesOf(name);
      // No fire doubled, none lost: consecutive seconds from the first to the last.
      expect(new Set(times).size).toBe(times.length);
      expect(gapsIn(times)).toBe(0);
      total += times.length;
    }
    expect(total).toBeGreaterThanOrEqual(200);
  });
});
