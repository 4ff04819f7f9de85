import { BatonApiError } from '@baton/sdk';
import { describe, expect, it } from 'vitest';
import { CliError, describeError, exitCodeOf } from './errors';

describe('describeError', () => {
  it("prints a problem's title, detail and every field error with its path", () => {
    const error = new BatonApiError({
      status: 400,
      title: 'Bad Request',
      detail: 'the definition is invalid',
      errors: [
        { path: 'steps[0].with.url', message: 'url is required' },
        { path: '', message: 'not a mapping' },
      ],
    });
    expect(describeError(error, 'http://x')).toEqual([
      'error: 400 Bad Request: the definition is invalid',
      '  steps[0].with.url: url is required',
      '  (document): not a mapping',
    ]);
    expect(exitCodeOf(error)).toBe(1);
  });

  it('adds how to pass a key to a 401', () => {
    const lines = describeError(new BatonApiError({ status: 401, title: 'Unauthorized', detail: 'missing API key' }), 'http://x');
    expect(lines[0]).toBe('error: 401 Unauthorized: missing API key');
    expect(lines[1]).toMatch(/--api-key.*BATON_API_KEY.*baton config set-profile/);
  });

  it('turns a refused connection into one line that says to start the platform', () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    expect(describeError(refused, 'http://127.0.0.1:8080')).toEqual([
      'error: nothing answers at http://127.0.0.1:8080; start the platform with `npm start` or `baton dev`',
    ]);
    const aggregate = new TypeError('fetch failed', {
      cause: new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]),
    });
    expect(describeError(aggregate, 'http://localhost:8080')[0]).toContain('npm start');
  });

  it('names the cause of any other network failure', () => {
    expect(describeError(new TypeError('fetch failed', { cause: new Error('bad port') }), 'http://127.0.0.1:1')).toEqual([
      'error: fetch failed (bad port)',
    ]);
  });

  it('keeps the exit code of a CLI error', () => {
    const usage = new CliError('give --input or --input-file, not both', 2);
    expect(describeError(usage, '')).toEqual(['error: give --input or --input-file, not both']);
    expect(exitCodeOf(usage)).toBe(2);
  });
});
