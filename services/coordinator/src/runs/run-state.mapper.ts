import type { HistoryEntryView, RunView, StepView } from '@baton/contracts';
import type { PinnedDefinition } from '../definitions/pinned-definitions';
import { isTerminal, type HistoryRecord, type RunState, type StepState } from '../engine';
import { explainWaits } from '../engine/waiting-for';
import type { HistoryEntryEntity } from './history-entry.entity';
import type { RunEntity } from './run.entity';
import type { StepEntity } from './step.entity';

const iso = (date: Date | null): string | undefined => date?.toISOString();
const date = (value: string | undefined): Date | null => (value ? new Date(value) : null);

/** Drops undefined and null fields so API answers show only what is known. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null)) as T;
}

export function toRunState(run: RunEntity, steps: StepEntity[]): RunState {
  return defined({
    id: run.id,
    workflow: run.workflow,
    version: run.version,
    status: run.status,
    input: run.input,
    output: run.output ?? undefined,
    error: run.error ?? undefined,
    trigger: run.trigger,
    compensationReason: run.compensationReason ?? undefined,
    routed: run.routed ?? undefined,
    deadlineTimer: run.deadlineTimer ?? undefined,
    createdAt: run.createdAt.toISOString(),
    startedAt: iso(run.startedAt),
    endedAt: iso(run.endedAt),
    steps: Object.fromEntries(steps.map((s) => [s.stepId, toStepState(s)])),
  });
}

function toStepState(step: StepEntity): StepState {
  return defined({
    id: step.stepId,
    type: step.type,
    status: step.status,
    attempts: step.attempts,
    input: step.input ?? undefined,
    output: step.output ?? undefined,
    error: step.error ?? undefined,
    startedAt: iso(step.startedAt),
    endedAt: iso(step.endedAt),
    completionOrder: step.completionOrder ?? undefined,
    compensation: step.compensation ?? undefined,
    childRunId: step.childRunId ?? undefined,
  });
}

export function runColumns(state: RunState): Partial<RunEntity> {
  return {
    status: state.status,
    output: state.output ?? null,
    error: state.error ?? null,
    startedAt: date(state.startedAt),
    endedAt: date(state.endedAt),
    compensationReason: state.compensationReason ?? null,
    routed: state.routed ?? null,
    deadlineTimer: state.deadlineTimer ?? null,
  };
}

export function stepColumns(runId: string, position: number, step: StepState): StepEntity {
  return {
    runId,
    stepId: step.id,
    position,
    type: step.type,
    status: step.status,
    attempts: step.attempts,
    input: step.input ?? null,
    output: step.output ?? null,
    error: step.error ?? null,
    startedAt: date(step.startedAt),
    endedAt: date(step.endedAt),
    completionOrder: step.completionOrder ?? null,
    compensation: step.compensation ?? null,
    childRunId: step.childRunId ?? null,
  };
}

export function historyColumns(runId: string, seq: number, record: HistoryRecord): HistoryEntryEntity {
  return {
    runId,
    seq,
    type: record.type,
    stepId: record.stepId ?? null,
    attempt: record.attempt ?? null,
    data: record.data ?? null,
    at: new Date(record.at),
  };
}

/**
 * The run as the API shows it. Given its pinned definition, a run that has not ended says what it
 * waits for; lists give none, so they skip that.
 */
export function toRunView(run: RunEntity, steps: StepEntity[], pinned?: Pick<PinnedDefinition, 'definition' | 'graph'>): RunView {
  // The steps are mapped once, in listing order, for both the view and the wait explanation.
  const stepStates = [...steps].sort((a, b) => a.position - b.position).map((s) => toStepState(s));
  const state: RunState = { ...toRunState(run, []), steps: Object.fromEntries(stepStates.map((s) => [s.id, s])) };
  const stepViews: StepView[] = stepStates;
  const waitingFor =
    pinned === undefined || isTerminal(state)
      ? undefined
      : explainWaits(state, pinned.definition, { concurrencyKey: run.concurrencyKey ?? undefined, graph: pinned.graph });
  return defined({
    id: state.id,
    workflow: state.workflow,
    version: state.version,
    status: state.status,
    input: state.input,
    output: state.output,
    error: state.error,
    steps: stepViews,
    traceId: run.traceId ?? undefined,
    parentRunId: run.parentRunId ?? undefined,
    trigger: state.trigger,
    createdAt: state.createdAt,
    startedAt: state.startedAt,
    endedAt: state.endedAt,
    waitingFor,
  });
}

export function toHistoryView(entry: HistoryEntryEntity): HistoryEntryView {
  return defined({
    seq: entry.seq,
    type: entry.type,
    stepId: entry.stepId ?? undefined,
    attempt: entry.attempt ?? undefined,
    data: entry.data ?? undefined,
    at: entry.at.toISOString(),
  });
}
