/**
 * Test support for the engine's specs: a fixed clock, workflow and run builders, and a driver
 * that feeds events through `decide` the way the coordinator does. Not part of the build
 * (`.swcrc` excludes `/testing/`).
 */
import type { RunTrigger } from '@baton/contracts';
import { buildStepGraph } from '@baton/dsl';
import type { StepDefinition, StepGraph, TaskStepDefinition, WorkflowDefinition } from '@baton/dsl';
import { expect } from 'vitest';
import { decide } from '../decide';
import type { Decision, HistoryRecord, RunEvent, RunState } from '../run-state';

/** The specs' clock: every run is created, and by default every event arrives, at T0. */
export const T0 = new Date('2026-03-01T10:00:00.000Z');

/** A task step's attempt deadline when it sets no `timeout`. */
export const DEFAULT_TASK_TIMEOUT_MS = 5 * 60_000;

/** The time `seconds` after T0. */
export function at(seconds: number): Date {
  return new Date(T0.getTime() + seconds * 1000);
}

export function iso(date: Date): string {
  return date.toISOString();
}

/** A workflow named `orders` (unless `extra` names it otherwise) with these steps. */
export function workflow(steps: StepDefinition[], extra: Partial<WorkflowDefinition> = {}): WorkflowDefinition {
  return { name: 'orders', steps, ...extra };
}

export type TaskStepExtra = Partial<Pick<TaskStepDefinition, 'needs' | 'retry' | 'timeout' | 'input' | 'compensate'>>;

/** A task step answered by the worker `<id>-worker`. */
export function task(id: string, extra: TaskStepExtra = {}): StepDefinition {
  return { id, type: 'task', taskType: `${id}-worker`, ...extra };
}

/** A run as the coordinator creates it: pending, with one pending step state per step. */
export function newRun(definition: WorkflowDefinition, input: unknown = {}): RunState {
  // Every step of the graph, nested ones included, as the coordinator creates a run.
  const steps = Object.fromEntries(
    Object.values(buildStepGraph(definition).steps).map((step) => [
      step.id,
      { id: step.id, type: step.type, status: 'pending' as const, attempts: 0 },
    ]),
  );
  return {
    id: 'run-1',
    workflow: definition.name,
    version: 1,
    status: 'pending',
    input,
    trigger: { kind: 'api' },
    createdAt: iso(T0),
    steps,
  };
}

/**
 * Attempt deadlines of running steps and the cancelling of moot timers are the engine's timer
 * bookkeeping, covered by timers.spec.ts; `ScheduleTimer` for waiting steps (delays, approvals) is kept.
 */
export function withoutAttemptTimers(decision: Decision): Decision {
  const commands = decision.commands.filter((command) => {
    if (command.type === 'CancelTimer') return false;
    return !(command.type === 'ScheduleTimer' && decision.state.steps[command.stepId]?.status === 'running');
  });
  return { ...decision, commands };
}

export interface RunDriverOptions {
  /** The run's input; `{}` unless given. */
  input?: unknown;
  /** What `send` returns of each decision (e.g. without the commands a spec does not cover); the state is kept either way. */
  view?: (decision: Decision) => Decision;
  /** What started the run; an API call unless given (a parent's `subWorkflow` step makes it a child run). */
  trigger?: RunTrigger;
}

/** Drives a run through `decide` the way the coordinator does: each decision's state feeds the next. */
export class RunDriver {
  readonly graph: StepGraph;
  state: RunState;
  private readonly view: (decision: Decision) => Decision;

  constructor(
    readonly definition: WorkflowDefinition,
    { input = {}, view = (decision) => decision, trigger }: RunDriverOptions = {},
  ) {
    this.graph = buildStepGraph(definition);
    this.state = { ...newRun(definition, input), ...(trigger ? { trigger } : {}) };
    this.view = view;
  }

  async send(event: RunEvent, now: Date = T0): Promise<Decision> {
    const decision = this.view(await decide({ definition: this.definition, graph: this.graph, state: this.state, event, now }));
    this.state = decision.state;
    return decision;
  }

  start(now: Date = T0): Promise<Decision> {
    return this.send({ type: 'RunStarted' }, now);
  }

  complete(stepId: string, output: unknown, attempt = 1, now: Date = T0): Promise<Decision> {
    return this.send({ type: 'TaskCompleted', stepId, attempt, output }, now);
  }

  fail(stepId: string, message: string, retryable: boolean, attempt = 1, now: Date = T0): Promise<Decision> {
    return this.send({ type: 'TaskFailed', stepId, attempt, error: { message, retryable } }, now);
  }

  /** Each step's status, by step id. */
  statuses(): Record<string, string> {
    return Object.fromEntries(Object.values(this.state.steps).map((step) => [step.id, step.status]));
  }
}

export function lifecycle(status: string) {
  return { type: 'PublishLifecycle', status };
}

/** History records as `Type` or `Type:stepId`, in order. */
export function historyTypes(of: Decision | readonly HistoryRecord[]): string[] {
  const history = 'history' in of ? of.history : of;
  return history.map((entry) => (entry.stepId === undefined ? entry.type : `${entry.type}:${entry.stepId}`));
}

/** Sends an event the engine must ignore: nothing changes, nothing is commanded, one `StaleResultIgnored` is recorded. */
export async function expectIgnored(run: RunDriver, event: RunEvent, reason: string, now: Date = T0): Promise<void> {
  const before = structuredClone(run.state);
  const decision = await run.send(event, now);
  expect(decision.state).toEqual(before);
  expect(decision.commands).toEqual([]);
  expect(decision.history).toEqual([
    {
      type: 'StaleResultIgnored',
      ...('stepId' in event ? { stepId: event.stepId, attempt: event.attempt } : {}),
      data: { event: event.type, reason },
      at: iso(now),
    },
  ]);
}
