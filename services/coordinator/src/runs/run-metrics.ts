import { Metrics } from '@baton/telemetry';
import { isTerminal, type Decision } from '../engine';
import type { SlaAlert } from '../insights/sla';

/** A decision as its transaction saved it, with the SLA alert that transaction raised, if any. */
export interface SavedDecision extends Decision {
  slaAlert?: SlaAlert;
}

const seconds = (from: string | undefined, to: string | undefined) =>
  from === undefined || to === undefined ? undefined : Math.max(0, Date.parse(to) - Date.parse(from)) / 1000;

/** The decision ended the run (it reached a final status in this transition). */
export function endsRun(decision: Decision): boolean {
  return (
    isTerminal(decision.state) &&
    decision.history.some((record) => /^Run(Completed|Failed|Cancelled|Compensated|TimedOut)$/.test(record.type))
  );
}

/**
 * Counts what a committed decision did: runs started and ended, step attempts and the duration of
 * steps that reached their final status. Called after commit, so a rolled-back decision counts nothing.
 */
export function recordDecisionMetrics(decision: SavedDecision): void {
  const { state } = decision;
  const workflow = state.workflow;
  if (decision.slaAlert) Metrics.slaEvents.inc({ workflow, event: decision.slaAlert });
  for (const record of decision.history) {
    if (record.type === 'RunStarted') Metrics.runsStarted.inc({ workflow });
    if ((record.type === 'StepCompleted' || record.type === 'StepFailed') && record.stepId !== undefined) {
      const step = state.steps[record.stepId];
      if (!step) continue;
      const outcome = record.type === 'StepCompleted' ? 'completed' : 'failed';
      Metrics.stepAttempts.inc({ workflow, step_type: step.type, outcome });
      const duration = seconds(step.startedAt, step.endedAt);
      if (step.status === outcome && duration !== undefined) {
        Metrics.stepDuration.observe({ workflow, step_type: step.type, status: step.status }, duration);
      }
    }
  }
  if (endsRun(decision)) {
    Metrics.runsEnded.inc({ workflow, status: state.status });
    const duration = seconds(state.startedAt ?? state.createdAt, state.endedAt);
    if (duration !== undefined) Metrics.runDuration.observe({ workflow, status: state.status }, duration);
  }
}
