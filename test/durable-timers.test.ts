import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Platform, type RunBody } from './support/platform';

interface DelayedRun extends RunBody {
  steps: (RunBody['steps'][number] & { startedAt?: string; endedAt?: string })[];
}

describe('durable timers', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await Platform.start();
  });

  afterAll(async () => {
    await platform?.cleanup();
  });

  it('resumes a 2-second delay within a second of its due time after the platform was killed and restarted during the wait', async () => {
    const definition = {
      name: 'pause-briefly',
      steps: [
        { id: 'wait', type: 'delay', duration: '2s' },
        { id: 'after', type: 'transform', output: { resumed: true } },
      ],
    };
    expect((await platform.api('POST', '/v1/definitions', definition)).status).toBe(201);
    const started = await platform.api<DelayedRun>('POST', '/v1/runs', { workflow: 'pause-briefly', input: {} });
    const waiting = await platform.waitForRun(started.body.id, ['running']);
    const waitStartedAt = Date.parse((waiting as DelayedRun).steps[0].startedAt ?? '');

    // Every service (coordinator and scheduler included) dies mid-wait and comes back.
    await platform.kill();
    const restartedAt = Date.now();
    await platform.launch();
    const restartMs = Date.now() - restartedAt;

    const run = (await platform.waitForRun(started.body.id)) as DelayedRun;
    expect(run.status).toBe('completed');
    const wait = run.steps.find((s) => s.id === 'wait');
    const dueAt = waitStartedAt + 2000;
    const lateness = Date.parse(wait?.endedAt ?? '') - dueAt;
    // A restart slower than the wait delays the timer by the time the platform was down, no more.
    expect(lateness).toBeGreaterThanOrEqual(0);
    expect(lateness).toBeLessThan(1000 + Math.max(0, restartedAt + restartMs - dueAt));
  });

  it('keeps a 2-second delay on time when the process that set it dies and a coordinator replica carries on', async () => {
    const coordinator = platform.startReplica('coordinator');
    const scheduler = platform.startReplica('scheduler');
    await new Promise((done) => setTimeout(done, 4000)); // the replicas connect and join the consumers
    const started = await platform.api<DelayedRun>('POST', '/v1/runs', { workflow: 'pause-briefly', input: {} });
    const waiting = (await platform.waitForRun(started.body.id, ['running'])) as DelayedRun;
    const dueAt = Date.parse(waiting.steps[0].startedAt ?? '') + 2000;

    await platform.kill();
    await new Promise((done) => setTimeout(done, 3000));
    await platform.launch();
    const run = (await platform.waitForRun(started.body.id)) as DelayedRun;
    expect(run.status).toBe('completed');
    const lateness = Date.parse(run.steps.find((s) => s.id === 'wait')?.endedAt ?? '') - dueAt;
    expect(lateness).toBeGreaterThanOrEqual(0);
    expect(lateness).toBeLessThan(1000);
    coordinator.kill('SIGKILL');
    scheduler.kill('SIGKILL');
  });

  it('fires nothing for a timer that became moot: a cancelled run with a pending delay stays as it was', async () => {
    const definition = {
      name: 'long-pause',
      steps: [
        { id: 'wait', type: 'delay', duration: '2s' },
        { id: 'after', type: 'transform', output: 1 },
      ],
    };
    expect((await platform.api('POST', '/v1/definitions', definition)).status).toBe(201);
    const started = await platform.api<DelayedRun>('POST', '/v1/runs', { workflow: 'long-pause', input: {} });
    await platform.waitForRun(started.body.id, ['running']);
    expect((await platform.api('POST', `/v1/runs/${started.body.id}/cancel`, {})).status).toBe(200);
    await new Promise((done) => setTimeout(done, 3000));
    const history = await platform.api<{ items: { type: string }[] }>('GET', `/v1/runs/${started.body.id}/history`);
    expect(history.body.items.map((h) => h.type)).not.toContain('StaleResultIgnored');
    expect((await platform.api<DelayedRun>('GET', `/v1/runs/${started.body.id}`)).body.steps.map((s) => s.status)).toEqual([
      'cancelled',
      'cancelled',
    ]);
  });
});
