import type { StepDefinition, WorkflowDefinition } from '@baton/dsl';
import { describe, expect, it } from 'vitest';
import { breachAtEnd, checkSla, slaAlertMessage, type SlaCheckInput } from './sla';
import type { DurationStats } from './statistics';

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms);
const iso = (ms: number) => at(ms).toISOString();

const transform = (id: string): StepDefinition => ({ id, type: 'transform', output: {} });

/** a → b → c, with a 3 s SLA raising at-risk from a probability of one half. */
const definition: Pick<WorkflowDefinition, 'steps' | 'sla'> = {
  steps: [transform('a'), transform('b'), transform('c')],
  sla: { duration: '3s', atRiskProbability: 0.5 },
};

function stats(values: Record<string, number>): Map<string, DurationStats> {
  return new Map(
    Object.entries(values).map(([id, meanMs]) => [
      id,
      { count: 10, meanMs, stdDevMs: 0, p50Ms: meanMs, p90Ms: meanMs, p95Ms: meanMs, p99Ms: meanMs, maxMs: meanMs },
    ]),
  );
}

const history = stats({ a: 100, b: 100, c: 400 });

/** The run is in `b` (started at 100 ms, mean 100 ms): past its mean from 200 ms on, with only c's 400 ms left. */
function check(nowMs: number, overrides: Partial<Omit<SlaCheckInput, 'run'>> & { run?: Partial<SlaCheckInput['run']> } = {}) {
  const { run, ...rest } = overrides;
  return checkSla({
    definition,
    run: {
      status: 'running',
      startedAt: iso(0),
      steps: { a: { status: 'completed', startedAt: iso(0) }, b: { status: 'running', startedAt: iso(100) }, c: { status: 'pending' } },
      atRiskRaised: false,
      ...run,
    },
    stats: history,
    now: at(nowMs),
    lookAheadMs: 1_500,
    ...rest,
  });
}

describe('checkSla', () => {
  it('raises nothing for a definition without an sla', () => {
    expect(check(10_000, { definition: { steps: definition.steps } })).toBeUndefined();
  });

  it('raises nothing while the deadline is out of reach even by the next check', () => {
    // At 1 000 ms the next check is at 2 500; c alone (400 ms) still ends by 2 900, before 3 000.
    expect(check(1_000)).toBeUndefined();
  });

  it('raises sla_at_risk when the probability will have crossed the threshold by the next check', () => {
    // At 1 200 ms, as of 2 700 ms c's 400 ms would end at 3 100: past the deadline.
    expect(check(1_200)).toEqual({
      alert: 'sla_at_risk',
      sla: { deadline: iso(3_000), predictedEndAt: iso(3_100), breachProbability: 1 },
    });
  });

  it('raises sla_at_risk on the probability now when there is no next check to wait for', () => {
    expect(check(2_700, { lookAheadMs: 0 })).toMatchObject({ alert: 'sla_at_risk', sla: { predictedEndAt: iso(3_100) } });
    expect(check(2_500, { lookAheadMs: 0 })).toBeUndefined();
  });

  it('does not call a run at risk only because the deadline will have passed: with no history, only the breach is raised', () => {
    const noHistory = { stats: new Map<string, DurationStats>() };
    expect(check(2_000, noHistory)).toBeUndefined();
    expect(check(2_999, noHistory)).toBeUndefined();
    expect(check(3_001, noHistory)).toMatchObject({ alert: 'sla_breached' });
  });

  it('raises sla_breached once past the deadline, with the predicted end as of now', () => {
    expect(check(3_200)).toEqual({
      alert: 'sla_breached',
      sla: { deadline: iso(3_000), predictedEndAt: iso(3_600), breachProbability: 1 },
    });
    expect(check(3_200, { run: { atRiskRaised: true } })).toMatchObject({ alert: 'sla_breached' });
  });

  it('raises sla_at_risk only once', () => {
    expect(check(1_200, { run: { atRiskRaised: true } })).toBeUndefined();
  });

  it('checks a compensating run for a breach only', () => {
    expect(check(1_200, { run: { status: 'compensating' } })).toBeUndefined();
    expect(check(3_200, { run: { status: 'compensating' } })).toMatchObject({ alert: 'sla_breached' });
  });

  it('weighs the spread of the steps left against the threshold', () => {
    const spread = new Map([...history, ['c', { ...history.get('c'), stdDevMs: 200 } as DurationStats]]);
    // As of 2 600 (now 1 100 + 1 500), c must end within 400 ms: exactly its mean, P = 0.5, at the threshold.
    expect(check(1_100, { stats: spread })).toMatchObject({ alert: 'sla_at_risk', sla: { breachProbability: 0.5 } });
    expect(check(1_100, { stats: spread, definition: { ...definition, sla: { duration: '3s', atRiskProbability: 0.6 } } })).toBeUndefined();
  });
});

describe('breachAtEnd', () => {
  it('reports a run that ended after its deadline', () => {
    expect(breachAtEnd(definition, { startedAt: iso(0), endedAt: iso(3_500) })).toEqual({
      alert: 'sla_breached',
      sla: { deadline: iso(3_000), predictedEndAt: iso(3_500), breachProbability: 1 },
    });
  });

  it('reports nothing for a run that ended in time, never started, or has no sla', () => {
    expect(breachAtEnd(definition, { startedAt: iso(0), endedAt: iso(3_000) })).toBeUndefined();
    expect(breachAtEnd(definition, { endedAt: iso(9_000) })).toBeUndefined();
    expect(breachAtEnd({}, { startedAt: iso(0), endedAt: iso(9_000) })).toBeUndefined();
  });
});

describe('slaAlertMessage', () => {
  it('is a lifecycle event on the alert subject, deduplicated per run and alert', () => {
    const sla = { deadline: iso(3_000), predictedEndAt: iso(3_100), breachProbability: 0.8 };
    const message = slaAlertMessage(
      { id: 'r1', workflow: 'orders', version: 2, status: 'running' },
      { alert: 'sla_at_risk', sla },
      at(1_200),
    );
    expect(message).toEqual({
      subject: 'baton.lifecycle.orders.sla_at_risk',
      msgId: 'r1:sla_at_risk',
      payload: { runId: 'r1', workflow: 'orders', version: 2, status: 'running', event: 'sla_at_risk', sla, occurredAt: iso(1_200) },
    });
  });
});
