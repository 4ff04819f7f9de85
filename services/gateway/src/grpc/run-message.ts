import type { RunSummary, RunView, StepView } from '@baton/contracts';

const json = (value: unknown) => (value === undefined ? '' : JSON.stringify(value));

/** A run as the `baton.v1.Run` message: user-shaped values as JSON text, absent values empty. */
export function toRunMessage(run: RunView | RunSummary): Record<string, unknown> {
  const full = run as Partial<RunView>;
  return {
    id: run.id,
    workflow: run.workflow,
    version: run.version,
    status: run.status,
    inputJson: json(full.input),
    outputJson: json(full.output),
    error: run.error ? { message: run.error.message, stepId: run.error.stepId ?? '' } : undefined,
    steps: (full.steps ?? []).map(toStepMessage),
    traceId: run.traceId ?? '',
    parentRunId: run.parentRunId ?? '',
    createdAt: run.createdAt,
    startedAt: run.startedAt ?? '',
    endedAt: run.endedAt ?? '',
    waitingForJson: json(full.waitingFor),
  };
}

function toStepMessage(step: StepView): Record<string, unknown> {
  return {
    id: step.id,
    type: step.type,
    status: step.status,
    attempts: step.attempts,
    outputJson: json(step.output),
    errorMessage: step.error?.message ?? '',
    startedAt: step.startedAt ?? '',
    endedAt: step.endedAt ?? '',
    childRunId: step.childRunId ?? '',
  };
}

/** What a watcher sees change: the run's status and each step's status and attempts. */
export function progressKey(run: RunView): string {
  return JSON.stringify([run.status, run.steps.map((s) => [s.id, s.status, s.attempts])]);
}
