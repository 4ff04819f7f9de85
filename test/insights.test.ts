import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpTarget } from './support/http-target';
import { Platform, sleep, type RunBody, type StepBody } from './support/platform';
import type { WorkflowInsightsView } from '@baton/contracts';

/** How long the test service takes per path: the durations insights should find. */
const SLEEP_MS: Record<string, number> = {
  '/fetch': 200,
  '/process': 600,
  '/store': 100,
  '/sla/a': 100,
  '/sla/b': 100,
  '/sla/c': 100,
  '/late': 300,
};
/** How long the service holds a call made slow on purpose. */
const HUNG_PROCESS_MS = 4_000;
const SLOW_SLA_STEP_MS = 6_000;
const OK_RUNS = 8;
const FAILED_RUNS = 3;
/** The SLA monitor reads step statistics again at most every 10 s. */
const SLA_STATS_TTL_MS = 10_000;

const call = (target: HttpTarget, path: string, extra: Record<string, unknown> = {}) => ({
  type: 'http',
  with: { method: 'POST', url: target.url(path), body: { mode: '${ input.mode }' } },
  ...extra,
});

const pipeline = (target: HttpTarget) => ({
  name: 'insights-pipeline',
  steps: [
    { id: 'fetch', ...call(target, '/fetch') },
    { id: 'process', ...call(target, '/process') },
    { id: 'store', ...call(target, '/store', { retry: { maxAttempts: 1 } }) },
  ],
});

const watched = (target: HttpTarget) => ({
  name: 'insights-sla',
  sla: { duration: '3s', atRiskProbability: 0.5 },
  steps: [
    { id: 'a', ...call(target, '/sla/a') },
    { id: 'b', ...call(target, '/sla/b') },
    { id: 'c', ...call(target, '/sla/c') },
  ],
});

/** A deadline shorter than the monitor's checks are apart: most runs end late before a check sees them. */
const late = (target: HttpTarget) => ({
  name: 'insights-late',
  sla: { duration: '50ms', atRiskProbability: 0.5 },
  steps: [{ id: 'slow', ...call(target, '/late') }],
});

/** A run as GET /v1/runs/{id} reads it, with the start times the checks below need. */
interface TimedRun extends Omit<RunBody, 'steps'> {
  startedAt: string;
  steps: (StepBody & { startedAt?: string })[];
}

interface Alert {
  runId: string;
  workflow: string;
  status: string;
  event?: string;
  sla?: { deadline: string; predictedEndAt?: string; breachProbability?: number };
  occurredAt: string;
}

describe('insights and SLAs', () => {
  let platform: Platform;
  let target: HttpTarget;
  let nc: NatsConnection;
  const alerts: Alert[] = [];
  let slaHistoryEndedAt = 0;

  async function runToEnd(workflow: string, mode: string): Promise<RunBody> {
    const started = await platform.api<RunBody>('POST', '/v1/runs', { workflow, input: { mode } });
    expect(started.status).toBe(201);
    return platform.waitForRun(started.body.id);
  }

  /** Runs one after the other in small batches, so that their timings are not skewed by queueing. */
  async function runBatches(workflow: string, modes: string[], batch = 4): Promise<RunBody[]> {
    const runs: RunBody[] = [];
    for (let i = 0; i < modes.length; i += batch)
      runs.push(...(await Promise.all(modes.slice(i, i + batch).map((m) => runToEnd(workflow, m)))));
    return runs;
  }

  beforeAll(async () => {
    target = await HttpTarget.start();
    target.respondWith((request) => {
      const path = request.path;
      const mode = (JSON.parse(request.body || '{}') as { mode?: string }).mode;
      if (path === '/process' && mode === 'hang') return { status: 200, body: { ok: true }, delayMs: HUNG_PROCESS_MS };
      if (path === '/sla/b' && mode === 'slow') return { status: 200, body: { ok: true }, delayMs: SLOW_SLA_STEP_MS };
      if (path === '/store' && mode === 'fail') return { status: 404, body: { error: 'shelf not found' }, delayMs: SLEEP_MS[path] };
      return { status: 200, body: { ok: true }, delayMs: SLEEP_MS[path] ?? 0 };
    });
    platform = await Platform.start();
    nc = await platform.nats();
    nc.subscribe(platform.subject('baton.lifecycle.>'), {
      callback: (_e, msg) => {
        const event = msg.json<Alert>();
        if (event.event) alerts.push(event);
      },
    });
    expect((await platform.api('POST', '/v1/definitions', pipeline(target))).status).toBe(201);
    expect((await platform.api('POST', '/v1/definitions', watched(target))).status).toBe(201);
    expect((await platform.api('POST', '/v1/definitions', late(target))).status).toBe(201);
    // The SLA workflow's history first: the monitor may have read its statistics while it was being
    // made, and the SLA test waits for them to be read again.
    const fast = await runBatches('insights-sla', ['ok', 'ok', 'ok', 'ok', 'ok'], 1);
    expect(fast.map((r) => r.status)).toEqual(Array(5).fill('completed'));
    slaHistoryEndedAt = Date.now();
    const seeded = await runBatches('insights-pipeline', [...Array(OK_RUNS).fill('ok'), ...Array(FAILED_RUNS).fill('fail')], 1);
    expect(seeded.filter((r) => r.status === 'completed')).toHaveLength(OK_RUNS);
    expect(seeded.filter((r) => r.status === 'failed')).toHaveLength(FAILED_RUNS);
  }, 120_000);

  afterAll(async () => {
    await nc?.close();
    await platform?.cleanup();
    await target?.close();
  });

  const insights = async (workflow: string, window = '1h') => {
    const response = await platform.api<WorkflowInsightsView>('GET', `/v1/insights/${workflow}?window=${window}`);
    expect(response.status).toBe(200);
    return response.body;
  };

  it('reports run counts and rates, step percentiles, the critical path, its bottleneck and failure hot spots', async () => {
    const body = await insights('insights-pipeline');
    expect(body.workflow).toBe('insights-pipeline');
    expect(Date.parse(body.window.to) - Date.parse(body.window.from)).toBe(3_600_000);
    const ended = OK_RUNS + FAILED_RUNS;
    expect(body.runs).toEqual({
      started: ended,
      completed: OK_RUNS,
      failed: FAILED_RUNS,
      compensated: 0,
      cancelled: 0,
      timedOut: 0,
      running: 0,
    });
    expect(body.rates).toEqual({
      completion: Math.round((OK_RUNS / ended) * 1000) / 1000,
      failure: Math.round((FAILED_RUNS / ended) * 1000) / 1000,
      compensation: 0,
    });
    expect(body.duration.count).toBe(ended);

    expect(body.steps.map((s) => [s.stepId, s.type, s.count, s.attempts, s.failures])).toEqual([
      ['fetch', 'http', ended, ended, 0],
      ['process', 'http', ended, ended, 0],
      ['store', 'http', OK_RUNS, ended, FAILED_RUNS],
    ]);
    for (const step of body.steps) {
      const sleptMs = SLEEP_MS[`/${step.stepId}`];
      // Dispatch, the executor's call and the result's way back add a little to each step.
      expect(step.p50Ms).toBeGreaterThanOrEqual(sleptMs);
      expect(step.p50Ms).toBeLessThanOrEqual(sleptMs * 1.15 + 10);
      expect(step.p90Ms).toBeGreaterThanOrEqual(step.p50Ms);
    }

    const mean = (id: string) => body.steps.find((s) => s.stepId === id)?.meanMs ?? NaN;
    expect(body.criticalPath.steps.map((s) => s.stepId)).toEqual(['fetch', 'process', 'store']);
    expect(body.criticalPath.totalMs).toBeCloseTo(mean('fetch') + mean('process') + mean('store'), -1);
    expect(body.bottleneck).toMatchObject({ stepId: 'process', meanMs: mean('process') });
    expect(body.bottleneck?.share).toBeCloseTo(mean('process') / body.criticalPath.totalMs, 2);

    expect(body.hotSpots).toEqual([
      {
        stepId: 'store',
        failures: FAILED_RUNS,
        failureRate: Math.round((FAILED_RUNS / ended) * 1000) / 1000,
        topErrors: [{ message: expect.stringMatching(/^HTTP 404.*shelf not found/), count: FAILED_RUNS }],
      },
    ]);
    expect(body.running).toEqual([]);
  });

  it('answers 404 for a workflow never registered, 400 for a window that is not a duration, and looks back 24h by default', async () => {
    const unknown = await platform.api<{ status: number; detail: string }>('GET', '/v1/insights/never-registered');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    expect((await platform.api('GET', '/v1/insights/insights-pipeline?window=yesterday')).status).toBe(400);
    const byDefault = await platform.api<WorkflowInsightsView>('GET', '/v1/insights/insights-pipeline');
    expect(byDefault.status).toBe(200);
    expect(Date.parse(byDefault.body.window.to) - Date.parse(byDefault.body.window.from)).toBe(24 * 3_600_000);
  });

  it('predicts when a running run ends from the step means along what is left of its path', async () => {
    const started = await platform.api<RunBody>('POST', '/v1/runs', { workflow: 'insights-pipeline', input: { mode: 'hang' } });
    const runId = started.body.id;
    // Asked while `process` is still within its usual duration, the prediction is its start plus its
    // mean, then the mean of `store`.
    await expect.poll(() => target.requestsTo('/process').some((r) => r.headers['idempotency-key'] === `${runId}:process:1`)).toBe(true);
    const body = await insights('insights-pipeline');
    const run = await platform.api<TimedRun>('GET', `/v1/runs/${runId}`);
    const processStartedAt = Date.parse(run.body.steps.find((s) => s.id === 'process')?.startedAt ?? '');
    const mean = (id: string) => body.steps.find((s) => s.stepId === id)?.meanMs ?? NaN;
    const expected = processStartedAt + mean('process') + mean('store');

    expect(body.runs.running).toBe(1);
    expect(body.running).toHaveLength(1);
    const [prediction] = body.running;
    expect(prediction).toMatchObject({ runId, remainingPath: ['process', 'store'] });
    expect(prediction).not.toHaveProperty('slaDeadline');
    expect(Math.abs(Date.parse(prediction.predictedEndAt) - expected)).toBeLessThanOrEqual(0.1 * (mean('process') + mean('store')));
    expect(Date.parse(prediction.predictedEndAt) - Date.parse(body.window.to)).toBe(prediction.remainingMs);

    expect((await platform.waitForRun(runId)).status).toBe('completed');
  }, 30_000);

  it('reports a run that ended after its deadline as breached once, whether a check saw it running or not', async () => {
    const runs = await runBatches('insights-late', Array(6).fill('ok'), 1);
    await sleep(1_500);
    for (const run of runs) {
      const breaches = alerts.filter((a) => a.runId === run.id && a.event === 'sla_breached');
      expect(breaches).toHaveLength(1);
      // Seen by a check while running, or reported by the transition that ended the run.
      expect(['running', 'completed']).toContain(breaches[0].status);
    }
    // A check lands within a run's last 250 ms about one time in four: most of these ended unseen.
    const reportedAtEnd = runs.filter((run) =>
      alerts.some((a) => a.runId === run.id && a.event === 'sla_breached' && a.status === 'completed'),
    );
    expect(reportedAtEnd.length).toBeGreaterThan(0);
  }, 30_000);

  it('raises sla_at_risk before the deadline, then sla_breached after it, each once', async () => {
    // Statistics read while the history was being made would not know the steps yet.
    await sleep(Math.max(0, slaHistoryEndedAt + SLA_STATS_TTL_MS + 500 - Date.now()));
    const started = await platform.api<RunBody>('POST', '/v1/runs', { workflow: 'insights-sla', input: { mode: 'slow' } });
    const runId = started.body.id;
    const run = (await platform.waitForRun(runId, ['completed'], 20_000)) as unknown as TimedRun;
    // Late duplicates would arrive within a check or two.
    await sleep(2_000);

    const forRun = alerts.filter((a) => a.runId === runId);
    expect(forRun.map((a) => a.event)).toEqual(['sla_at_risk', 'sla_breached']);
    const [atRisk, breached] = forRun;
    const deadline = Date.parse(run.startedAt) + 3_000;
    expect(atRisk).toMatchObject({ status: 'running', sla: { deadline: new Date(deadline).toISOString() } });
    expect(atRisk.sla?.breachProbability).toBeGreaterThanOrEqual(0.5);
    expect(Date.parse(atRisk.occurredAt)).toBeLessThan(deadline);
    expect(breached).toMatchObject({ status: 'running', sla: { deadline: new Date(deadline).toISOString(), breachProbability: 1 } });
    expect(Date.parse(breached.occurredAt)).toBeGreaterThan(deadline);
    // The fast runs of the history never came near their deadline.
    expect(alerts.filter((a) => a.workflow === 'insights-sla' && a.runId !== runId)).toEqual([]);

    const body = await insights('insights-sla');
    expect(body.runs.completed).toBe(6);
  }, 40_000);
});
