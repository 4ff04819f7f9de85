import { Subjects, type RunLifecycleEvent, type RunStatus } from '@baton/contracts';
import { parseDuration, type WorkflowDefinition } from '@baton/dsl';
import type { OutboxMessage } from '@baton/messaging';
import { predictRun, type PredictRunInput } from './prediction';
import type { DurationStats } from './statistics';

export type SlaAlert = 'sla_at_risk' | 'sla_breached';

/** What an alert says about the run's SLA (`RunLifecycleEvent.sla`). */
export interface SlaFigures {
  deadline: string;
  predictedEndAt: string;
  breachProbability: number;
}

export interface SlaCheck {
  alert: SlaAlert;
  sla: SlaFigures;
}

/** The SLA's duration in milliseconds; undefined for a definition without one. */
export function slaMsOf(definition: Pick<WorkflowDefinition, 'sla'>): number | undefined {
  return definition.sla === undefined ? undefined : parseDuration(definition.sla.duration);
}

export interface SlaCheckInput {
  definition: Pick<WorkflowDefinition, 'steps' | 'sla'>;
  run: {
    status: RunStatus;
    startedAt: string;
    steps: PredictRunInput['steps'];
    /** `sla_at_risk` was raised already. */
    atRiskRaised: boolean;
  };
  stats: ReadonlyMap<string, DurationStats>;
  now: Date;
  /**
   * How far ahead the at-risk probability is taken: the time to the monitor's next check. A run
   * whose probability crosses the threshold between two checks is then reported at the first of
   * them rather than at the second, which may come after the deadline (too late for a warning).
   */
  lookAheadMs: number;
}

/**
 * The alert a run still going calls for now, if any: `sla_breached` once its deadline has passed,
 * else `sla_at_risk` (once) when the predicted probability of missing the deadline, as it will stand
 * at the next check if the run makes no progress meanwhile, reaches the definition's
 * `atRiskProbability`. A compensating run is only checked for a breach: the prediction knows
 * nothing of how long undoing takes.
 */
export function checkSla(input: SlaCheckInput): SlaCheck | undefined {
  const { definition, run, stats, now } = input;
  const slaMs = slaMsOf(definition);
  if (slaMs === undefined || definition.sla === undefined) return undefined;
  const deadlineMs = Date.parse(run.startedAt) + slaMs;
  const deadline = new Date(deadlineMs).toISOString();
  const nowMs = now.getTime();
  const predict = (at: number) => predictRun({ definition, steps: run.steps, startedAt: run.startedAt, stats, now: new Date(at), slaMs });
  if (nowMs > deadlineMs) {
    return { alert: 'sla_breached', sla: { deadline, predictedEndAt: predict(nowMs).predictedEndAt, breachProbability: 1 } };
  }
  if (run.atRiskRaised || run.status === 'compensating') return undefined;
  // Not beyond the deadline itself: a run with nothing left to predict (no history yet) is not at
  // risk just because the deadline will have passed by the next check; that is a breach, reported then.
  const prediction = predict(Math.max(nowMs, Math.min(nowMs + input.lookAheadMs, deadlineMs - 1)));
  const breachProbability = prediction.breachProbability ?? 0;
  if (breachProbability < definition.sla.atRiskProbability) return undefined;
  return { alert: 'sla_at_risk', sla: { deadline, predictedEndAt: prediction.predictedEndAt, breachProbability } };
}

/**
 * A run that just ended after its deadline, and was not reported breached while it ran (it ended
 * between two checks of the monitor, or no monitor was running): it is reported as it ends.
 */
export function breachAtEnd(
  definition: Pick<WorkflowDefinition, 'sla'>,
  run: { startedAt?: string; endedAt?: string },
): SlaCheck | undefined {
  const slaMs = slaMsOf(definition);
  if (slaMs === undefined || run.startedAt === undefined || run.endedAt === undefined) return undefined;
  const deadlineMs = Date.parse(run.startedAt) + slaMs;
  if (!(Date.parse(run.endedAt) > deadlineMs)) return undefined;
  return {
    alert: 'sla_breached',
    sla: { deadline: new Date(deadlineMs).toISOString(), predictedEndAt: run.endedAt, breachProbability: 1 },
  };
}

/**
 * The alert as a lifecycle message on `baton.lifecycle.<workflow>.<alert>`. Its message id names the
 * run and the alert, so JetStream drops a second publish of the same alert.
 */
export function slaAlertMessage(
  run: { id: string; workflow: string; version: number; status: RunStatus },
  check: SlaCheck,
  now: Date,
): OutboxMessage {
  const event: RunLifecycleEvent = {
    runId: run.id,
    workflow: run.workflow,
    version: run.version,
    status: run.status,
    event: check.alert,
    sla: check.sla,
    occurredAt: now.toISOString(),
  };
  return { subject: Subjects.lifecycle(run.workflow, check.alert), payload: event, msgId: `${run.id}:${check.alert}` };
}
