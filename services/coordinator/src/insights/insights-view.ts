import type { DurationSummary, HotSpot, InsightsRunCounts, RunningRunInsight, StepInsight, WorkflowInsightsView } from '@baton/contracts';
import type { WorkflowDefinition } from '@baton/dsl';
import { bottleneckOf, criticalPath } from './critical-path';
import type { ActiveRun, StepAttempts, StepErrorCount, StepSample } from './insights.repository';
import { predictRun } from './prediction';
import { slaMsOf } from './sla';
import { durationStats, type DurationStats } from './statistics';

/** Each step's duration statistics from its samples. */
export function stepStatsOf(samples: readonly StepSample[]): Map<string, DurationStats> {
  const byStep = new Map<string, number[]>();
  for (const sample of samples) {
    const durations = byStep.get(sample.stepId);
    if (durations) durations.push(sample.ms);
    else byStep.set(sample.stepId, [sample.ms]);
  }
  const stats = new Map<string, DurationStats>();
  for (const [stepId, durations] of byStep) {
    const summary = durationStats(durations);
    if (summary) stats.set(stepId, summary);
  }
  return stats;
}

export interface InsightsInput {
  workflow: string;
  window: { from: Date; to: Date };
  /** The latest version: its shape gives the critical path and the order steps are listed in. */
  latest: Pick<WorkflowDefinition, 'steps'>;
  counts: InsightsRunCounts;
  runDurations: readonly number[];
  stepSamples: readonly StepSample[];
  stepAttempts: readonly StepAttempts[];
  topErrors: readonly StepErrorCount[];
  /** Runs still going, each with the definition of its own version. */
  active: readonly { run: ActiveRun; definition: Pick<WorkflowDefinition, 'steps' | 'sla'> }[];
  /** Step ids of the latest version in order (nested ones included). */
  stepOrder: readonly string[];
}

/**
 * The answer to `GET /v1/insights/{workflow}` from what the repository read. Predictions of the
 * runs still going use the same step statistics the answer shows, so they can be checked against it.
 */
export function assembleInsights(input: InsightsInput): WorkflowInsightsView {
  const { counts, window } = input;
  const stats = stepStatsOf(input.stepSamples);
  const path = criticalPath(input.latest, stats);
  const bottleneck = bottleneckOf(path);
  const ended = counts.completed + counts.failed + counts.compensated + counts.cancelled + counts.timedOut;
  const steps = stepInsights(stats, input);
  return {
    workflow: input.workflow,
    window: { from: window.from.toISOString(), to: window.to.toISOString() },
    runs: counts,
    rates: {
      completion: fraction(counts.completed, ended),
      failure: fraction(counts.failed, ended),
      compensation: fraction(counts.compensated, ended),
    },
    duration: durationSummary(durationStats(input.runDurations)),
    steps,
    criticalPath: { steps: path.steps.map((s) => ({ stepId: s.stepId, meanMs: ms(s.meanMs) })), totalMs: ms(path.totalMs) },
    bottleneck: bottleneck ? { stepId: bottleneck.stepId, meanMs: ms(bottleneck.meanMs), share: round3(bottleneck.share) } : null,
    hotSpots: hotSpots(steps, input.topErrors),
    running: input.active.map(({ run, definition }) => runningInsight(run, definition, stats, window.to)),
  };
}

export function durationSummary(stats: DurationStats | undefined): DurationSummary {
  if (!stats) return { count: 0, p50Ms: 0, p90Ms: 0, p95Ms: 0, p99Ms: 0, meanMs: 0, maxMs: 0 };
  return {
    count: stats.count,
    p50Ms: ms(stats.p50Ms),
    p90Ms: ms(stats.p90Ms),
    p95Ms: ms(stats.p95Ms),
    p99Ms: ms(stats.p99Ms),
    meanMs: ms(stats.meanMs),
    maxMs: ms(stats.maxMs),
  };
}

/** Every step seen in the window, in the latest version's order, then those it no longer has (by id). */
function stepInsights(stats: ReadonlyMap<string, DurationStats>, input: InsightsInput): StepInsight[] {
  const attempts = new Map(input.stepAttempts.map((a) => [a.stepId, a]));
  const types = new Map([...input.stepSamples, ...input.stepAttempts].map((s) => [s.stepId, s.type]));
  const position = new Map(input.stepOrder.map((id, index) => [id, index]));
  // A forEach's items (`x[*]`) come right after the forEach itself.
  const rank = (id: string) => position.get(id) ?? (id.endsWith('[*]') ? (position.get(id.slice(0, -3)) ?? Infinity) + 0.5 : Infinity);
  const ids = [...types.keys()].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return ids.map((stepId) => {
    const { maxMs: _max, ...summary } = durationSummary(stats.get(stepId));
    return {
      stepId,
      type: types.get(stepId) ?? 'unknown',
      ...summary,
      failures: attempts.get(stepId)?.failures ?? 0,
      attempts: attempts.get(stepId)?.attempts ?? 0,
    };
  });
}

function hotSpots(steps: readonly StepInsight[], topErrors: readonly StepErrorCount[]): HotSpot[] {
  return steps
    .filter((step) => step.failures > 0)
    .sort((a, b) => b.failures - a.failures)
    .map((step) => ({
      stepId: step.stepId,
      failures: step.failures,
      failureRate: fraction(step.failures, step.attempts),
      topErrors: topErrors
        .filter((e) => e.stepId === step.stepId)
        .sort((a, b) => b.count - a.count || (a.message < b.message ? -1 : 1))
        .slice(0, 3)
        .map(({ message, count }) => ({ message, count })),
    }));
}

function runningInsight(
  run: ActiveRun,
  definition: Pick<WorkflowDefinition, 'steps' | 'sla'>,
  stats: ReadonlyMap<string, DurationStats>,
  now: Date,
): RunningRunInsight {
  const prediction = predictRun({ definition, steps: run.steps, startedAt: run.startedAt, stats, now, slaMs: slaMsOf(definition) });
  return { runId: run.id, startedAt: run.startedAt, ...prediction };
}

const ms = (value: number) => Math.round(value);
const round3 = (value: number) => Math.round(value * 1000) / 1000;
/** part / whole to 3 decimals; 0 of nothing is 0. */
const fraction = (part: number, whole: number) => (whole > 0 ? round3(part / whole) : 0);
