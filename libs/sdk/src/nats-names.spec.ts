import { describe, expect, it } from 'vitest';
import { assertWorkerTaskType, NatsNames } from './nats-names';

describe('NatsNames', () => {
  it('uses the contract names as they are without a namespace', () => {
    const names = new NatsNames();
    expect(names.taskSubject('charge-card')).toBe('baton.tasks.charge-card');
    expect(names.resultSubject).toBe('baton.results.task');
    expect(names.tasksStream).toBe('BATON_TASKS');
    expect(names.resultsStream).toBe('BATON_RESULTS');
    expect(names.durable('charge-card')).toBe('worker-charge-card');
  });

  it('qualifies subjects and streams exactly as the platform does with BATON_NAMESPACE', () => {
    const names = new NatsNames('team-a_1');
    expect(names.taskSubject('charge-card')).toBe('team-a_1.baton.tasks.charge-card');
    expect(names.resultSubject).toBe('team-a_1.baton.results.task');
    expect(names.tasksStream).toBe('TEAM_A_1_BATON_TASKS');
    expect(names.resultsStream).toBe('TEAM_A_1_BATON_RESULTS');
    // consumer names live inside the (already qualified) stream
    expect(names.durable('charge-card')).toBe('worker-charge-card');
  });

  it('treats an empty namespace as none', () => {
    expect(new NatsNames('').subject('baton.results.task')).toBe('baton.results.task');
  });

  it('refuses a namespace the platform would refuse', () => {
    expect(() => new NatsNames('Team.A')).toThrow(/lower-case letters/);
    expect(() => new NatsNames('a b')).toThrow(/BATON_NAMESPACE/);
  });
});

describe('assertWorkerTaskType', () => {
  it('accepts the task types the workflow language accepts', () => {
    expect(() => assertWorkerTaskType('charge-card')).not.toThrow();
    expect(() => assertWorkerTaskType('v2')).not.toThrow();
  });

  it('refuses names that are not one subject token of lowercase letters, digits and "-"', () => {
    for (const taskType of ['', 'Charge', 'charge.card', 'charge*', '>', '-x', 'a b']) {
      expect(() => assertWorkerTaskType(taskType), taskType).toThrow(/must match/);
    }
  });

  it("refuses the executor's built-in task types", () => {
    expect(() => assertWorkerTaskType('http')).toThrow(/reserved/);
    expect(() => assertWorkerTaskType('publish')).toThrow(/reserved/);
  });
});
