import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream } from '@nats-io/jetstream';

const WORKFLOW = 'bench-three-step';
export const TERMINAL = new Set(['completed', 'failed', 'compensated', 'cancelled', 'timed_out']);
const POLL_MS = 1_000;
const PROGRESS_EVERY_MS = 5_000;

/** transform → http (POST to the target) → transform; also started by `bench.requested` events. */
export function definition(targetUrl) {
  return `
name: ${WORKFLOW}
description: Benchmark workflow - transform, one HTTP call, transform
input:
  type: object
  required: [n]
  properties: { n: { type: integer } }
triggers:
  - event: bench.requested
    input: { n: "\${ event.data.n }" }
steps:
  - id: prepare
    type: transform
    output: { n: "\${ input.n }", doubled: "\${ input.n * 2 }" }
  - id: call
    type: http
    with:
      method: POST
      url: "${targetUrl}"
      body: { n: "\${ steps.prepare.output.n }", doubled: "\${ steps.prepare.output.doubled }" }
  - id: finish
    type: transform
    output: { ok: "\${ steps.call.output.body.ok }", n: "\${ input.n }" }
output: { ok: "\${ steps.finish.output.ok }", n: "\${ steps.finish.output.n }" }
`;
}

/**
 * A workload knows how to start one run and how to recognise its runs in the run list:
 * `start(n)` resolves to a key, `keyOf(run)` gives the same key for the run it started.
 */
export function apiWorkload(platform) {
  return {
    name: 'api',
    description: 'runs started with POST /v1/runs',
    async start(n) {
      const { status, body } = await platform.api('POST', '/v1/runs', { workflow: WORKFLOW, input: { n } });
      if (status !== 201) throw new Error(`POST /v1/runs answered ${status}: ${JSON.stringify(body)}`);
      return body.id;
    },
    keyOf: (run) => (run.trigger?.kind === 'api' ? run.id : undefined),
  };
}

export function eventsWorkload(platform, nc) {
  const js = jetstream(nc);
  const subject = platform.subject('baton.events.bench.requested');
  return {
    name: 'events',
    description: `runs started by CloudEvents published to ${subject}`,
    async start(n) {
      const id = randomUUID();
      const event = { specversion: '1.0', id, source: 'bench', type: 'bench.requested', data: { n } };
      await js.publish(subject, JSON.stringify(event), { msgID: id });
      return id;
    },
    keyOf: (run) => (run.trigger?.kind === 'event' ? run.trigger.eventId : undefined),
  };
}

/**
 * Starts `count` runs with at most `concurrency` starts in flight; each start time is taken
 * just before the request or publish. Returns the start time per key, how long each start
 * call took to answer, and the failed starts.
 */
export async function startRuns(workload, count, { concurrency, signal }) {
  const startedAt = new Map();
  const callMs = [];
  const rejected = [];
  const began = Date.now();
  await forEachBounded(count, { concurrency, signal }, async (n) => {
    const at = Date.now();
    try {
      startedAt.set(await workload.start(n), at);
      callMs.push(Date.now() - at);
    } catch (error) {
      rejected.push(error.message);
    }
  });
  return { startedAt, callMs, rejected, submitMs: Date.now() - began };
}

/**
 * Polls the run list until every started run has reached a terminal status, or the timeout.
 * Returns the workload's runs as last listed (the first per key) and how many extra runs
 * some start produced (should be none).
 */
export async function awaitRuns(platform, workload, startedAt, { timeoutMs, signal }) {
  const deadline = Date.now() + timeoutMs;
  let nextProgress = Date.now() + PROGRESS_EVERY_MS;
  for (;;) {
    signal.throwIfAborted();
    const { runs, duplicates } = await workloadRuns(platform, workload, startedAt);
    const finished = runs.filter((run) => TERMINAL.has(run.status)).length;
    if (finished >= startedAt.size) return { runs, duplicates, timedOut: false };
    if (Date.now() >= deadline) return { runs, duplicates, timedOut: true };
    if (Date.now() >= nextProgress) {
      console.log(`  … ${workload.name}: ${finished}/${startedAt.size} finished`);
      nextProgress += PROGRESS_EVERY_MS;
    }
    await sleep(POLL_MS);
  }
}

async function workloadRuns(platform, workload, startedAt) {
  const byKey = new Map();
  let duplicates = 0;
  for await (const run of listRuns(platform)) {
    const key = workload.keyOf(run);
    if (!startedAt.has(key)) continue;
    if (byKey.has(key)) duplicates += 1;
    else byKey.set(key, run);
  }
  return { runs: [...byKey.values()], duplicates };
}

/** Every run of the workflow, newest first, following the keyset cursor. */
async function* listRuns(platform) {
  let cursor;
  do {
    const query = new URLSearchParams({ workflow: WORKFLOW, limit: '500', ...(cursor ? { cursor } : {}) });
    const { status, body } = await platform.api('GET', `/v1/runs?${query}`);
    if (status !== 200) throw new Error(`GET /v1/runs answered ${status}: ${JSON.stringify(body)}`);
    yield* body.items;
    cursor = body.nextCursor;
  } while (cursor);
}

/** Calls `task(0 … count - 1)` with at most `concurrency` calls pending; stops early when aborted. */
async function forEachBounded(count, { concurrency, signal }, task) {
  let next = 0;
  const worker = async () => {
    while (next < count && !signal.aborted) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
