import { cpus, loadavg, totalmem } from 'node:os';
import { TERMINAL } from './workloads.mjs';

/** Turns the start times and the listed runs of one workload into its figures. */
export function measure({ workload, count, concurrency, started, finished, httpCalls }) {
  const { startedAt, callMs, rejected, submitMs } = started;
  const start = (run) => startedAt.get(workload.keyOf(run));
  const ended = finished.runs.filter((run) => TERMINAL.has(run.status));
  const completed = ended.filter((run) => run.status === 'completed');
  const lastEnd = Math.max(...completed.map((run) => Date.parse(run.endedAt)));
  const wallMs = completed.length ? lastEnd - Math.min(...startedAt.values()) : 0;
  return {
    name: workload.name,
    description: workload.description,
    count,
    concurrency,
    completed: completed.length,
    failedRuns: ended.length - completed.length,
    unfinished: startedAt.size - ended.length,
    rejected: rejected.length,
    firstRejection: rejected[0],
    duplicates: finished.duplicates,
    timedOut: finished.timedOut,
    submitMs,
    startCall: percentiles(callMs),
    wallMs,
    runsPerSecond: wallMs ? completed.length / (wallMs / 1000) : 0,
    latency: percentiles(completed.map((run) => Date.parse(run.endedAt) - start(run))),
    toCreated: percentiles(completed.map((run) => Date.parse(run.createdAt) - start(run))),
    execution: percentiles(completed.map((run) => Date.parse(run.endedAt) - Date.parse(run.createdAt))),
    httpCalls,
  };
}

/** Nearest-rank percentiles of a list of milliseconds. */
export function percentiles(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p) => (sorted.length ? sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] : NaN);
  return { p50: at(50), p95: at(95), p99: at(99), max: at(100) };
}

export function printBlock(result) {
  const failed = result.count - result.completed;
  const rows = [
    ['runs', `${result.completed} completed of ${result.count}`],
    ['failed', `${failed}${failed || result.duplicates ? ` (${failureDetail(result)})` : ''}`],
    ['wall time', `${seconds(result.wallMs)} s  (first start → last run ended)`],
    ['runs/s', result.runsPerSecond.toFixed(1)],
    ['latency ms', spread(result.latency)],
    ['  to created', `${spread(result.toCreated)}  (start → run created)`],
    ['  executing', `${spread(result.execution)}  (run created → run ended)`],
    ['starting', `${seconds(result.submitMs)} s for ${result.count} starts, ${result.concurrency} in flight`],
    ['start call ms', `${spread(result.startCall)}  (until the POST or publish answered)`],
    ['http calls', `${result.httpCalls} received by the target`],
  ];
  console.log(`\n${result.name} — ${result.description}`);
  for (const [label, value] of rows) console.log(`  ${label.padEnd(15)}${value}`);
  if (result.firstRejection) console.log(`  first rejected start: ${result.firstRejection}`);
}

function failureDetail(result) {
  return [
    `${result.failedRuns} ended not completed`,
    `${result.unfinished} unfinished${result.timedOut ? ' at timeout' : ''}`,
    `${result.rejected} rejected at start`,
    `${result.duplicates} duplicate runs`,
  ].join(', ');
}

export function summaryLine(result) {
  const { p50, p95, p99 } = result.latency;
  const failed = result.count - result.completed;
  return (
    `${result.name}: ${result.completed} runs, ${result.runsPerSecond.toFixed(1)} runs/s, ` +
    `p50 ${p50} ms, p95 ${p95} ms, p99 ${p99} ms${failed ? `, ${failed} failed` : ''}`
  );
}

export function printMachine({ natsVersion, postgresVersion }) {
  const cores = cpus();
  console.log(
    `node ${process.version} · ${process.platform}/${process.arch} · ${cores.length} cpus (${cores[0]?.model.trim() ?? 'unknown'})`,
  );
  console.log(`memory ${(totalmem() / 2 ** 30).toFixed(1)} GiB · NATS ${natsVersion} · PostgreSQL ${postgresVersion}`);
  printLoad('at start');
}

/** Other work on the machine skews the figures; the load average shows how much there was. */
export function printLoad(when) {
  console.log(
    `load average ${when}: ${loadavg()
      .map((load) => load.toFixed(2))
      .join(' ')} (1, 5, 15 min)`,
  );
}

const seconds = (ms) => (ms / 1000).toFixed(2);
const spread = ({ p50, p95, p99, max }) => `p50 ${p50} · p95 ${p95} · p99 ${p99} · max ${max}`;
