import { context, createContextKey, trace, type Context } from '@opentelemetry/api';
import pino, { type Logger } from 'pino';

/** Run and step ids a log line should carry, kept in the OpenTelemetry context next to the span. */
export interface LogFields {
  run_id?: string;
  workflow?: string;
  step_id?: string;
  attempt?: number;
}

const LOG_FIELDS = createContextKey('baton.log-fields');

/** The context with `fields` added to whatever the parent context already names. */
export function withLogFields(parent: Context, fields: LogFields): Context {
  const known = parent.getValue(LOG_FIELDS) as LogFields | undefined;
  return parent.setValue(LOG_FIELDS, { ...known, ...fields });
}

/** What every log line gets from the context it was written in: trace, span, run and step ids. */
export function currentLogFields(): Record<string, unknown> {
  const active = context.active();
  const span = trace.getSpan(active)?.spanContext();
  const fields = (active.getValue(LOG_FIELDS) as LogFields | undefined) ?? {};
  return span && trace.isSpanContextValid(span) ? { trace_id: span.traceId, span_id: span.spanId, ...fields } : { ...fields };
}

const MASK = '***';

/** Keys whose values are never written, wherever they appear in a logged object. */
const SECRET_KEYS = ['authorization', 'cookie', 'password', 'secret', 'token', 'apiKey'];
const REDACTED_PATHS = [
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`]),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
];

/**
 * Replaces secret values (the `BATON_SECRET_*` values, at least 4 characters so that masking stays
 * meaningful), bearer tokens and URL passwords in a log message.
 */
export function maskSecrets(text: string, secretValues: readonly string[]): string {
  let masked = text
    .replace(/(bearer\s+)[A-Za-z0-9._~+/=-]+/gi, `$1${MASK}`)
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)[^@\s]+@/gi, `$1${MASK}@`);
  for (const value of secretValues) {
    if (value.length >= 4) masked = masked.split(value).join(MASK);
  }
  return masked;
}

export interface ServiceLoggerOptions {
  /** `baton` for the all-in-one process, the service's name when it runs alone. */
  name: string;
  /** Nest level names: fatal, error, warn, log, debug, verbose. */
  level: string;
  secretValues: readonly string[];
  /** Where lines go; standard output by default. */
  destination?: pino.DestinationStream;
}

const PINO_LEVELS: Record<string, pino.Level> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/** The process's JSON logger: one line per entry with trace/span/run/step ids and secrets masked. */
export function createServiceLogger(options: ServiceLoggerOptions): Logger {
  const mask = (value: unknown) => (typeof value === 'string' ? maskSecrets(value, options.secretValues) : value);
  return pino(
    {
      name: options.name,
      level: PINO_LEVELS[options.level] ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: currentLogFields,
      redact: { paths: REDACTED_PATHS, censor: MASK },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map(mask) as Parameters<typeof method>);
        },
      },
    },
    options.destination,
  );
}
