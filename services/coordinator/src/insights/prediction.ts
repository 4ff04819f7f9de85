import type { WorkflowDefinition } from '@baton/dsl';
import type { StepState } from '../engine';
import { longestPath, topLevelGraph } from './critical-path';
import { normalTailProbability, type DurationStats } from './statistics';

export interface RunPrediction {
  /** Expected time still needed, in whole milliseconds. */
  remainingMs: number;
  /** ISO, now + remainingMs. */
  predictedEndAt: string;
  /** Top-level step ids on the longest remaining path, in order. */
  remainingPath: string[];
  /** startedAt + slaMs. */
  slaDeadline?: string;
  /** Only when slaMs is given: P(run ends after the deadline), 0..1, rounded to 3 decimals. */
  breachProbability?: number;
}

export interface PredictRunInput {
  definition: Pick<WorkflowDefinition, 'steps'>;
  /** The run's step states keyed by id; only the definition's top-level ids are read. */
  steps: Readonly<Record<string, Pick<StepState, 'status' | 'startedAt'>>>;
  /** Run start. */
  startedAt: string;
  stats: ReadonlyMap<string, DurationStats>;
  now: Date;
  slaMs?: number;
}

type Status = StepState['status'];

/** Ended one way or another: no more time (a failed step still here was caught, or the run is over). */
const ENDED: ReadonlySet<Status> = new Set<Status>(['completed', 'skipped', 'compensated', 'cancelled', 'failed']);
/** Started and not ended: an attempt out, a retry or timer pending, or waiting for an event or signal. */
const UNDER_WAY: ReadonlySet<Status> = new Set<Status>(['running', 'scheduled', 'waiting']);

/** What a step still adds to the run: expected milliseconds and their variance. */
interface Remaining {
  ms: number;
  variance: number;
}

/**
 * When the run will end, and how likely it is to miss its SLA, from the steps' historical means
 * and standard deviations, each step's duration taken as independent and normal.
 */
export function predictRun(input: PredictRunInput): RunPrediction {
  const { definition, steps, stats, now } = input;
  const nowMs = now.getTime();
  const graph = topLevelGraph(definition);
  const remaining = new Map<string, Remaining>();
  for (const id of graph.order) {
    const state = steps[id];
    const status = state?.status ?? 'pending';
    const meanMs = stats.get(id)?.meanMs ?? 0;
    const variance = (stats.get(id)?.stdDevMs ?? 0) ** 2;
    if (UNDER_WAY.has(status)) {
      const startedMs = state?.startedAt === undefined ? Number.NaN : Date.parse(state.startedAt);
      const elapsedMs = Number.isFinite(startedMs) ? Math.max(nowMs - startedMs, 0) : 0;
      // A step past its mean is taken to be about to end: remaining 0, no spread. The history
      // gives no model of how long an overrun lasts, and as `now` moves on the prediction still
      // moves out with it, since the rest of the path can only start after this step.
      remaining.set(id, elapsedMs < meanMs ? { ms: meanMs - elapsedMs, variance } : { ms: 0, variance: 0 });
    } else if (!ENDED.has(status) && willStart(id, graph.handlers, graph.needs, steps, remaining)) {
      remaining.set(id, { ms: meanMs, variance });
    }
  }
  const path = longestPath(
    graph.order.filter((id) => remaining.has(id)),
    (id) => graph.needs.get(id) ?? [],
    (id) => remaining.get(id)?.ms ?? 0,
  );
  const remainingMs = Math.round(path.totalMs);
  const prediction: RunPrediction = {
    remainingMs,
    predictedEndAt: new Date(nowMs + remainingMs).toISOString(),
    remainingPath: path.ids,
  };
  if (input.slaMs !== undefined) {
    const deadlineMs = Date.parse(input.startedAt) + input.slaMs;
    const variance = path.ids.reduce((sum, id) => sum + (remaining.get(id)?.variance ?? 0), 0);
    const probability = nowMs > deadlineMs ? 1 : normalTailProbability(path.totalMs, Math.sqrt(variance), deadlineMs - nowMs);
    prediction.slaDeadline = new Date(deadlineMs).toISOString();
    prediction.breachProbability = Math.round(probability * 1000) / 1000;
  }
  return prediction;
}

/**
 * Whether a pending step can still start, as the engine decides: once all its needs complete.
 * A need that ended otherwise (failed and caught, skipped, …) or can never start holds it back
 * for good, and a handler nothing was routed to yet stays dormant: a failure is not predicted.
 */
function willStart(
  id: string,
  handlers: ReadonlySet<string>,
  needs: ReadonlyMap<string, readonly string[]>,
  steps: PredictRunInput['steps'],
  remaining: ReadonlyMap<string, Remaining>,
): boolean {
  if (handlers.has(id)) return false;
  return (needs.get(id) ?? []).every((need) => steps[need]?.status === 'completed' || remaining.has(need));
}
