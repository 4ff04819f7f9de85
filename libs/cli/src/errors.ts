import { BatonApiError, RunWaitTimeoutError } from '@baton/sdk';

/** A failure the CLI explains itself; `exitCode` 2 for a usage error, 1 otherwise. */
export class CliError extends Error {
  override name = 'CliError';

  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/**
 * The lines that explain an error to a user: a problem's title, detail and every field error; a
 * one-line hint when nothing listens at `url`.
 */
export function describeError(error: unknown, url: string): string[] {
  if (error instanceof BatonApiError) {
    const lines = [`error: ${error.status} ${error.title}${error.detail ? `: ${error.detail}` : ''}`];
    for (const field of error.errors) lines.push(`  ${field.path || '(document)'}: ${field.message}`);
    if (error.status === 401) lines.push('hint: pass --api-key, set BATON_API_KEY, or save a key in a profile (baton config set-profile)');
    return lines;
  }
  if (error instanceof RunWaitTimeoutError) return [`error: ${error.message}`];
  if (error instanceof CliError) return [`error: ${error.message}`];
  const code = causeCode(error);
  if (code === 'ECONNREFUSED') return [`error: nothing answers at ${url}; start the platform with \`npm start\` or \`baton dev\``];
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return [`error: cannot resolve the host of ${url} (--url, BATON_URL or the profile)`];
  if (error instanceof Error && error.name === 'TimeoutError') return [`error: ${url} did not answer in time`];
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return [`error: ${error instanceof Error ? error.message : String(error)}${cause}`];
}

export function exitCodeOf(error: unknown): number {
  return error instanceof CliError ? error.exitCode : 1;
}

/** fetch fails with `TypeError('fetch failed')` whose cause (or its cause) has the system error code. */
function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const aggregate = (current as { errors?: unknown }).errors;
    if (Array.isArray(aggregate) && aggregate.length > 0) current = aggregate[0];
    else current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
