import { setTimeout as sleep } from 'node:timers/promises';
import { percentiles } from './report.mjs';
import { TERMINAL } from './workloads.mjs';

const WORKFLOW = 'bench-timers';
/** Timers per run: the delay steps of one `parallel` step, each until its own instant. */
const TIMERS_PER_RUN = 100;

/** One run = one parallel step with TIMERS_PER_RUN branches, each a `delay` until `input.due[i]`. */
export function timersDefinition() {
  const branches = Array.from({ length: TIMERS_PER_RUN }, (_, i) => ({
    steps: [{ id: `t${i}`, type: 'delay', until: `\${ input.due[${i}] }` }],
  }));
  return { name: WORKFLOW, steps: [{ id: 'timers', type: 'parallel', branches }] };
}

/**
 * `count` durable timers due evenly over `windowMs`, starting `leadMs` from now (time to create
 * the runs that hold them). A timer's lateness is its `delay` step's end (when the coordinator
 * handled the due timer) minus its due instant; fires/s counts timers over (last fire − first due).
 */
export async function timerWorkload(platform, { count, windowMs, leadMs, timeoutMs, signal }) {
  const { status, body } = await platform.api('POST', '/v1/definitions', timersDefinition());
  if (status !== 201 && status !== 200) throw new Error(`registering ${WORKFLOW} answered ${status}: ${JSON.stringify(body)}`);
  const runs = Math.ceil(count / TIMERS_PER_RUN);
  const firstDue = Date.now() + leadMs;
  const dueOf = (timer) => new Date(firstDue + Math.floor((timer * windowMs) / count));
  const runIds = [];
  for (let r = 0; r < runs; r++) {
    signal.throwIfAborted();
    const due = Array.from({ length: TIMERS_PER_RUN }, (_, i) => dueOf(Math.min(count - 1, r + i * runs)).toISOString());
    const started = await platform.api('POST', '/v1/runs', { workflow: WORKFLOW, input: { due } });
    if (started.status !== 201) throw new Error(`POST /v1/runs answered ${started.status}: ${JSON.stringify(started.body)}`);
    runIds.push(started.body.id);
  }
  const createdBy = Date.now();
  if (createdBy > firstDue)
    console.log(`  (creating the runs took longer than the lead: the first timers were due ${createdBy - firstDue} ms before)`);

  await sleep(Math.max(0, firstDue + windowMs - Date.now()), undefined, { signal });
  const deadline = Date.now() + timeoutMs;
  let finished = [];
  for (;;) {
    finished = await Promise.all(runIds.map(async (id) => (await platform.api('GET', `/v1/runs/${id}`)).body));
    if (finished.every((run) => TERMINAL.has(run.status)) || Date.now() > deadline) break;
    await sleep(1000, undefined, { signal });
  }
  const fired = finished.flatMap((run) =>
    run.steps
      .filter((step) => step.type === 'delay' && step.status === 'completed')
      .map((step) => ({ due: Date.parse(run.input.due[Number(step.id.slice(1))]), at: Date.parse(step.endedAt) })),
  );
  const lastFire = Math.max(...fired.map((timer) => timer.at));
  return {
    count: runs * TIMERS_PER_RUN,
    fired: fired.length,
    runs,
    creationMs: createdBy - (firstDue - leadMs),
    windowMs,
    lateness: percentiles(fired.map((timer) => timer.at - timer.due)),
    firesPerSecond: fired.length / ((lastFire - firstDue) / 1000),
  };
}

export function printTimers(result) {
  const { p50, p95, p99, max } = result.lateness;
  console.log(`\ntimers — ${result.count} delay timers in ${result.runs} runs, due evenly over ${result.windowMs / 1000} s`);
  console.log(`  fired          ${result.fired} of ${result.count}`);
  console.log(`  lateness ms    p50 ${p50}  p95 ${p95}  p99 ${p99}  max ${max}  (step ended − due instant)`);
  console.log(`  fires/s        ${result.firesPerSecond.toFixed(1)}  (fired / (last fire − first due))`);
  console.log(`  creating runs  ${(result.creationMs / 1000).toFixed(1)} s`);
}

export function timersSummary(result) {
  const { p50, p99 } = result.lateness;
  return `timers: ${result.fired}/${result.count} fired, ${result.firesPerSecond.toFixed(1)} fires/s, lateness p50 ${p50} ms, p99 ${p99} ms`;
}
