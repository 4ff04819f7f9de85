import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createServiceLogger, maskSecrets } from './logging';
import { BatonAttributes, extractTraceContext, inSpan, serviceTracer, startTelemetry } from './tracing';

describe('maskSecrets', () => {
  it('masks secret values, bearer tokens and URL passwords', () => {
    const text = 'calling https://svc.test with Bearer abc.def-123 and key s3cr3t-value, db postgres://app:hunter2@db:5432/baton';

    expect(maskSecrets(text, ['s3cr3t-value'])).toBe(
      'calling https://svc.test with Bearer *** and key ***, db postgres://app:***@db:5432/baton',
    );
  });

  it('leaves values too short to mask meaningfully alone', () => {
    expect(maskSecrets('a b c', ['a'])).toBe('a b c');
  });
});

describe('createServiceLogger', () => {
  const capture = () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    return { lines, destination };
  };

  it('writes JSON with the trace, span, run and step of the span the line was written in', async () => {
    startTelemetry({ disabled: true });
    const { lines, destination } = capture();
    const logger = createServiceLogger({ name: 'baton', level: 'log', secretValues: [], destination });
    const parent = extractTraceContext({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    const attributes = { [BatonAttributes.runId]: 'run-1', [BatonAttributes.stepId]: 'charge', [BatonAttributes.attempt]: 2 };

    await inSpan(serviceTracer('test'), 'work', { parent, attributes }, async () => logger.info('charging'));
    logger.info('outside');

    expect(lines[0]).toMatchObject({
      level: 'info',
      name: 'baton',
      msg: 'charging',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      run_id: 'run-1',
      step_id: 'charge',
      attempt: 2,
    });
    expect(lines[1]).not.toHaveProperty('run_id');
    expect(lines[1]).not.toHaveProperty('trace_id');
  });

  it('masks secrets in messages and secret-named fields, and honours the level', () => {
    const { lines, destination } = capture();
    const logger = createServiceLogger({ name: 'baton', level: 'warn', secretValues: ['tok-123456'], destination });

    logger.info('not written');
    logger.warn({ headers: { authorization: 'Bearer tok-123456' }, password: 'pw' }, 'sent tok-123456');

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'sent ***', password: '***', headers: { authorization: '***' } });
  });
});
