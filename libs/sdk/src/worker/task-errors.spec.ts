import { describe, expect, it } from 'vitest';
import { MAX_ERROR_MESSAGE_LENGTH, RetryableError, TerminalError, toTaskError } from './task-errors';

describe('toTaskError', () => {
  it('reports a RetryableError as retryable', () => {
    expect(toTaskError(new RetryableError('gateway busy'))).toEqual({ message: 'gateway busy', retryable: true });
  });

  it('reports a TerminalError (and its subclasses) as final', () => {
    class CardDeclined extends TerminalError {}
    expect(toTaskError(new TerminalError('card declined'))).toEqual({ message: 'card declined', retryable: false });
    expect(toTaskError(new CardDeclined('insufficient funds'))).toEqual({ message: 'insufficient funds', retryable: false });
  });

  it('reports any other thrown value as retryable: a worker cannot tell a transient fault from a permanent one', () => {
    expect(toTaskError(new TypeError('fetch failed'))).toEqual({ message: 'fetch failed', retryable: true });
    expect(toTaskError('plain string')).toEqual({ message: 'plain string', retryable: true });
    expect(toTaskError({ code: 42 })).toEqual({ message: '{"code":42}', retryable: true });
    expect(toTaskError(undefined)).toEqual({ message: 'undefined', retryable: true });
  });

  it('always has a message the platform accepts and can store', () => {
    expect(toTaskError(new Error('')).message).toBe('Error');
    expect(toTaskError('').message).toBe('task failed');
    expect(toTaskError(new Error('a\u0000b')).message).toBe('a\uFFFDb');
    const long = toTaskError(new Error('x'.repeat(MAX_ERROR_MESSAGE_LENGTH + 50))).message;
    expect(long).toHaveLength(MAX_ERROR_MESSAGE_LENGTH);
    expect(long.endsWith('…')).toBe(true);
  });

  it('keeps the names of the error classes for stack traces and logs', () => {
    expect(new RetryableError('x').name).toBe('RetryableError');
    expect(new TerminalError('x').name).toBe('TerminalError');
    expect(new TerminalError('x')).toBeInstanceOf(Error);
  });
});
