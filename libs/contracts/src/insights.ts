/**
 * `GET /v1/insights/{workflow}?window=24h` (contract): how a workflow's runs went over a window of
 * time ending now, where their time goes, and when the runs still going should end. Durations are
 * whole milliseconds; rates and shares are fractions 0..1 with 3 decimals.
 */
export interface WorkflowInsightsView {
  workflow: string;
  /** ISO instants; `to` is when the answer was computed. */
  window: { from: string; to: string };
  runs: InsightsRunCounts;
  /** Of the runs that ended in the window; all 0 when none did. */
  rates: { completion: number; failure: number; compensation: number };
  /** Start to end of the runs that ended in the window, whatever their status. */
  duration: DurationSummary;
  steps: StepInsight[];
  /** The heaviest chain of the latest version's top-level steps, weighted by their mean durations. */
  criticalPath: { steps: { stepId: string; meanMs: number }[]; totalMs: number };
  /** The step with the largest mean on the critical path; null when nothing on it was measured. */
  bottleneck: { stepId: string; meanMs: number; share: number } | null;
  /** Steps with failed attempts in the window, most failures first. */
  hotSpots: HotSpot[];
  /** The runs not ended yet (oldest first, at most 100), with their predicted end. */
  running: RunningRunInsight[];
}

export interface InsightsRunCounts {
  /** Runs that started in the window. */
  started: number;
  /** Runs that ended in the window, by final status. */
  completed: number;
  failed: number;
  compensated: number;
  cancelled: number;
  timedOut: number;
  /** Runs running, waiting, paused or compensating now, whenever they started. */
  running: number;
}

export interface DurationSummary {
  /** Samples behind the figures; the others are 0 when there are none. */
  count: number;
  p50Ms: number;
  p90Ms: number;
  p95Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
}

/** One step id, over every version's runs in the window; the items of a `forEach` step `x` together as `x[*]`. */
export interface StepInsight extends Omit<DurationSummary, 'maxMs'> {
  stepId: string;
  type: string;
  /** Failed attempts in the window (each retried failure counts). */
  failures: number;
  /** Attempts started in the window. */
  attempts: number;
}

export interface HotSpot {
  stepId: string;
  failures: number;
  /** failures / attempts. */
  failureRate: number;
  /** The most frequent error messages, at most 3. */
  topErrors: { message: string; count: number }[];
}

export interface RunningRunInsight {
  runId: string;
  startedAt: string;
  predictedEndAt: string;
  remainingMs: number;
  /** Top-level step ids on the longest path still ahead, in order. */
  remainingPath: string[];
  /** With an `sla` in the run's definition: its deadline (start + duration) and P(missing it). */
  slaDeadline?: string;
  breachProbability?: number;
}
