import type { TaskDispatch } from '@baton/contracts';
import { describe, expect, it } from 'vitest';
import { RetryableError, TerminalError } from './task-errors';
import { completedResult, encodeTaskResult, failedResult, heartbeatOf, InvalidDispatchError, parseTaskDispatch } from './task-messages';

const dispatch: TaskDispatch = {
  taskId: 'run-1:charge:2',
  runId: 'run-1',
  stepId: 'charge',
  attempt: 2,
  idempotencyKey: 'run-1:charge:2',
  input: { amount: 12 },
  deadline: '2026-11-24T10:05:00.000Z',
};

const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
const decode = (data: Uint8Array) => JSON.parse(new TextDecoder().decode(data)) as unknown;

describe('parseTaskDispatch', () => {
  it('reads a dispatch of the contract', () => {
    expect(parseTaskDispatch(bytes(dispatch))).toEqual(dispatch);
  });

  it('refuses a body that is not JSON', () => {
    expect(() => parseTaskDispatch(bytes('{not json'))).toThrow(InvalidDispatchError);
  });

  it('names every field without which no result could be addressed', () => {
    expect(() => parseTaskDispatch(bytes({ ...dispatch, runId: '', attempt: 0, deadline: 'soon' }))).toThrow(
      'task dispatch has no valid runId, attempt, deadline',
    );
    expect(() => parseTaskDispatch(bytes([1, 2]))).toThrow(/taskId, runId, stepId, idempotencyKey, attempt, deadline/);
  });
});

describe('task results', () => {
  it('reports a returned value as the completed output of the attempt', () => {
    expect(completedResult(dispatch, { chargeId: 'ch-1' })).toEqual({
      taskId: 'run-1:charge:2',
      runId: 'run-1',
      stepId: 'charge',
      attempt: 2,
      status: 'completed',
      output: { chargeId: 'ch-1' },
    });
  });

  it('leaves out the output of a handler that returned nothing', () => {
    expect(completedResult(dispatch, undefined)).not.toHaveProperty('output');
    expect(completedResult(dispatch, null)).toHaveProperty('output', null);
  });

  it('reports a thrown error as a failed attempt, retryable unless terminal', () => {
    expect(failedResult(dispatch, new RetryableError('busy'))).toEqual({
      taskId: 'run-1:charge:2',
      runId: 'run-1',
      stepId: 'charge',
      attempt: 2,
      status: 'failed',
      error: { message: 'busy', retryable: true },
    });
    expect(failedResult(dispatch, new TerminalError('declined')).error).toEqual({ message: 'declined', retryable: false });
    expect(failedResult(dispatch, new Error('boom')).error).toEqual({ message: 'boom', retryable: true });
  });

  it('heartbeats name the task and the attempt', () => {
    expect(heartbeatOf(dispatch)).toEqual({ taskId: 'run-1:charge:2', attempt: 2, status: 'running' });
  });
});

describe('encodeTaskResult', () => {
  const MAX_PAYLOAD = 64 * 1024;

  it('encodes a result as JSON', () => {
    const result = completedResult(dispatch, { chargeId: 'ch-1', note: 'the text "\\u0000" is fine' });
    const encoded = encodeTaskResult(result, MAX_PAYLOAD);
    expect(encoded.result).toBe(result);
    expect(decode(encoded.data)).toEqual(result);
  });

  const failsFinally = (output: unknown, reason: RegExp) => {
    const encoded = encodeTaskResult(completedResult(dispatch, output), MAX_PAYLOAD);
    expect(encoded.result).toMatchObject({ taskId: dispatch.taskId, status: 'failed', error: { retryable: false } });
    expect(encoded.result.error?.message).toMatch(reason);
    expect(encoded.result).not.toHaveProperty('output');
    expect(decode(encoded.data)).toEqual(encoded.result);
  };

  it('turns an output larger than the server accepts into a final failure', () => {
    failsFinally({ blob: 'x'.repeat(MAX_PAYLOAD) }, /too large to report/);
  });

  it('turns an output that is not JSON into a final failure', () => {
    failsFinally({ amount: 10n }, /not JSON/);
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    failsFinally(circular, /not JSON/);
  });

  it('turns an output holding U+0000 (unstorable in PostgreSQL) into a final failure', () => {
    failsFinally({ name: 'a\u0000b' }, /U\+0000/);
    failsFinally({ ['key\u0000']: 1 }, /U\+0000/);
  });
});
