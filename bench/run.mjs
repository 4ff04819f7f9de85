// Baton benchmark: starts a private platform, runs a 3-step workflow through the API and
// through JetStream events, and prints start-to-completion latency and throughput.
// See bench/README.md.
import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { deleteStreams, dropDatabase, launchPlatform, postgresVersion } from './platform.mjs';
import { measure, printBlock, printLoad, printMachine, summaryLine } from './report.mjs';
import { startTarget } from './target.mjs';
import { printTimers, timersSummary, timerWorkload } from './timers.mjs';
import { apiWorkload, awaitRuns, definition, eventsWorkload, startRuns } from './workloads.mjs';

const config = {
  runs: positiveInt('BENCH_RUNS', 500),
  timers: positiveInt('BENCH_TIMERS', 10_000, { allowZero: true }),
  concurrency: positiveInt('BENCH_CONCURRENCY', 32),
  warmup: positiveInt('BENCH_WARMUP', 20, { allowZero: true }),
  timeoutMs: positiveInt('BENCH_TIMEOUT_S', 300) * 1000,
  natsUrl: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
  pgUrl: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432',
};

const cleanup = cleanupStack();
const interruption = new AbortController();

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    interruption.abort(new Error(signal));
    console.error(`\n${signal}: cleaning up`);
    await cleanup.run();
    process.exit(130);
  });
}

try {
  process.exitCode = await main();
} catch (error) {
  if (!interruption.signal.aborted) {
    console.error(`bench failed: ${error.stack ?? error}`);
    process.exitCode = 1;
  }
} finally {
  if (!interruption.signal.aborted) {
    await cleanup.run();
    process.exit();
  }
}

async function main() {
  const id = randomBytes(4).toString('hex');
  const namespace = `bench${id}`;
  const database = `baton_bench_${id}`;

  const target = await startTarget();
  cleanup.add('target server', () => target.close());
  const nc = await connect({ servers: config.natsUrl });
  cleanup.add('NATS connection', () => nc.close());
  cleanup.add('JetStream streams', () => deleteStreams(nc, namespace));
  cleanup.add('database', () => dropDatabase(config.pgUrl, database));

  printMachine({ natsVersion: nc.info?.version, postgresVersion: await postgresVersion(config.pgUrl) });
  console.log(`namespace ${namespace} · database ${database} · ${config.runs} runs per workload, ${config.concurrency} in flight`);

  const platform = await launchPlatform({ namespace, database, natsUrl: config.natsUrl, pgUrl: config.pgUrl });
  cleanup.add('platform', () => platform.stop());
  const readyIn = await timed(() => platform.waitUntilReady());
  console.log(`platform ready in ${(readyIn / 1000).toFixed(1)} s`);
  await register(platform, target);

  const run = (workload, count) => runWorkload(workload, count, { platform, target });
  if (config.warmup) await warmUp(() => run(apiWorkload(platform), config.warmup));
  const results = [];
  for (const workload of [apiWorkload(platform), eventsWorkload(platform, nc)]) {
    const result = await run(workload, config.runs);
    printBlock(result);
    results.push(result);
  }
  const timers = config.timers
    ? await timerWorkload(platform, {
        count: config.timers,
        windowMs: 60_000,
        leadMs: 20_000,
        timeoutMs: config.timeoutMs,
        signal: interruption.signal,
      })
    : undefined;
  if (timers) printTimers(timers);

  console.log('');
  if (platform.log.count())
    console.log(`platform logged ${platform.log.count()} warning/error lines; last ones:\n${platform.log.tail()}\n`);
  printLoad('at end');
  for (const result of results) console.log(summaryLine(result));
  if (timers) console.log(timersSummary(timers));
  return results.every((result) => result.completed === result.count) && (!timers || timers.fired === timers.count) ? 0 : 1;
}

async function register(platform, target) {
  const { status, body } = await platform.api('POST', '/v1/definitions', definition(target.url('/work')));
  if (status !== 201 && status !== 200) throw new Error(`registering the workflow answered ${status}: ${JSON.stringify(body)}`);
}

async function warmUp(run) {
  const result = await run();
  if (result.completed !== result.count) throw new Error(`warm-up: only ${result.completed} of ${result.count} runs completed`);
  console.log(`warm-up: ${result.count} runs completed, p50 ${result.latency.p50} ms`);
}

async function runWorkload(workload, count, { platform, target }) {
  const { signal } = interruption;
  const callsBefore = target.requests();
  const started = await startRuns(workload, count, { concurrency: config.concurrency, signal });
  signal.throwIfAborted();
  const finished = await awaitRuns(platform, workload, started.startedAt, { timeoutMs: config.timeoutMs, signal });
  return measure({ workload, count, concurrency: config.concurrency, started, finished, httpCalls: target.requests() - callsBefore });
}

/** Undo steps run last-added first, each one even if an earlier one failed; `run()` runs them once. */
function cleanupStack() {
  const steps = [];
  let running;
  const runAll = async () => {
    for (const { name, undo } of steps.reverse()) {
      try {
        await undo();
      } catch (error) {
        console.error(`cleanup: ${name} failed: ${error.message}`);
      }
    }
  };
  return {
    add: (name, undo) => steps.push({ name, undo }),
    run: () => (running ??= runAll()),
  };
}

async function timed(action) {
  const began = Date.now();
  await action();
  return Date.now() - began;
}

function positiveInt(name, fallback, { allowZero = false } = {}) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1))
    throw new Error(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got '${raw}'`);
  return value;
}
