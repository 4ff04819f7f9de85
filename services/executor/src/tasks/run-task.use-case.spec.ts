import type { TaskDispatch, TaskResult } from '@baton/contracts';
import type { JetStreamPublisher, PublishOptions } from '@baton/messaging';
import { describe, expect, it } from 'vitest';
import { RunTaskUseCase } from './run-task.use-case';
import { failed, type TaskRunner } from './task-runner';

const dispatch: TaskDispatch = {
  taskId: 'run-1:ship:1',
  runId: 'run-1',
  stepId: 'ship',
  attempt: 1,
  idempotencyKey: 'run-1:ship:1',
  input: {},
  deadline: '2026-01-01T00:00:00.000Z',
};

function useCaseWith(runners: TaskRunner[]) {
  const published: { subject: string; payload: unknown; options: PublishOptions }[] = [];
  const publisher = {
    publish: async (subject: string, payload: unknown, options: PublishOptions) => {
      published.push({ subject, payload, options });
      return { stream: 'BATON_RESULTS', seq: 1, duplicate: false };
    },
  } as unknown as JetStreamPublisher;
  return { useCase: new RunTaskUseCase(runners, publisher), published };
}

describe('RunTaskUseCase', () => {
  it('runs the runner of the task type and publishes its outcome as the attempt result, keyed by task id', async () => {
    const http: TaskRunner = { taskType: 'http', run: async () => ({ status: 'completed', output: { status: 200 } }) };
    const publish: TaskRunner = { taskType: 'publish', run: async () => failed('refused', true, 'publish.refused') };
    const { useCase, published } = useCaseWith([http, publish]);

    await useCase.execute('publish', dispatch);

    const expected: TaskResult = {
      taskId: 'run-1:ship:1',
      runId: 'run-1',
      stepId: 'ship',
      attempt: 1,
      status: 'failed',
      error: { message: 'refused', retryable: true, code: 'publish.refused' },
    };
    expect(published).toEqual([{ subject: 'baton.results.task', payload: expected, options: { msgId: 'result:run-1:ship:1' } }]);
  });

  it('publishes nothing when the runner throws, so the dispatch is redelivered', async () => {
    const broken: TaskRunner = {
      taskType: 'http',
      run: async () => {
        throw new Error('NATS is not connected yet');
      },
    };
    const { useCase, published } = useCaseWith([broken]);

    await expect(useCase.execute('http', dispatch)).rejects.toThrow('NATS is not connected yet');
    expect(published).toEqual([]);
  });
});
