import type { HttpTaskInput } from '@baton/contracts';
import { evaluateTemplateDeferringSecrets, ExpressionError } from '@baton/dsl';
import type { HttpStepDefinition, Template } from '@baton/dsl';
import { durationMsOrDefault } from './step-duration';
import type { StepContext, StepStart, StepType } from './step-type';

export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;

/** An HTTP call made by the executor's built-in `http` task type. */
export class HttpStepType implements StepType<HttpStepDefinition> {
  async start(step: HttpStepDefinition, ctx: StepContext): Promise<StepStart> {
    const requestTimeoutMs = durationMsOrDefault(step.with.timeout ?? step.timeout, DEFAULT_HTTP_TIMEOUT_MS);
    // Templates that read secrets stay as written, for the executor to resolve at call time.
    const { value, secrets } = await evaluateTemplateDeferringSecrets(
      { url: step.with.url, headers: step.with.headers, body: step.with.body },
      ctx.scope,
    );
    const evaluated = value as { url?: unknown; headers?: Record<string, unknown>; body?: unknown };
    const input: HttpTaskInput = { method: step.with.method, url: checkedUrl(evaluated.url, step.with.url), timeoutMs: requestTimeoutMs };
    if (evaluated.headers !== undefined) input.headers = headerValues(evaluated.headers);
    if (evaluated.body !== undefined) input.body = evaluated.body;
    if (secrets.length > 0) input.secrets = secrets;
    // The attempt's deadline is the step timeout when set; otherwise the request's own timeout.
    const timeoutMs = durationMsOrDefault(step.timeout, requestTimeoutMs);
    return { kind: 'dispatch', taskType: 'http', input, timeoutMs };
  }
}

function checkedUrl(url: unknown, template: Template): string {
  if (typeof url !== 'string') {
    // Only an expression can produce a non-string here: the validator checks literal URLs.
    throw new ExpressionError(String(template), 'runtime', `url must evaluate to a string, got ${describe(url)}`);
  }
  return url;
}

/** Header values go on the wire as text; a header whose value is null or absent is not sent. */
function headerValues(headers: Record<string, unknown>): Record<string, string> {
  const entries = Object.entries(headers)
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([name, value]): [string, string] => [name, typeof value === 'string' ? value : JSON.stringify(value)]);
  return Object.fromEntries(entries);
}

function describe(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  return Array.isArray(value) ? 'an array' : typeof value;
}
