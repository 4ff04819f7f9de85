import type { HttpTaskInput } from '@baton/contracts';
import { evaluateTemplate, ExpressionError } from '@baton/dsl';
import type { HttpStepDefinition, Scope, Template } from '@baton/dsl';
import { durationMsOrDefault } from './step-duration';
import type { StepContext, StepStart, StepType } from './step-type';

export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;

/** An HTTP call made by the executor's built-in `http` task type. */
export class HttpStepType implements StepType<HttpStepDefinition> {
  async start(step: HttpStepDefinition, ctx: StepContext): Promise<StepStart> {
    const requestTimeoutMs = durationMsOrDefault(step.with.timeout ?? step.timeout, DEFAULT_HTTP_TIMEOUT_MS);
    const input: HttpTaskInput = {
      method: step.with.method,
      url: await evaluateUrl(step.with.url, ctx.scope),
      timeoutMs: requestTimeoutMs,
    };
    const headers = await evaluateHeaders(step.with.headers, ctx.scope);
    if (headers !== undefined) {
      input.headers = headers;
    }
    const body = await evaluateTemplate(step.with.body, ctx.scope);
    if (body !== undefined) {
      input.body = body;
    }
    // The attempt's deadline is the step timeout when set; otherwise the request's own timeout.
    const timeoutMs = durationMsOrDefault(step.timeout, requestTimeoutMs);
    return { kind: 'dispatch', taskType: 'http', input, timeoutMs };
  }
}

async function evaluateUrl(template: Template, scope: Scope): Promise<string> {
  const url = await evaluateTemplate(template, scope);
  if (typeof url !== 'string') {
    // Only an expression can produce a non-string here: the validator checks literal URLs.
    throw new ExpressionError(String(template), 'runtime', `url must evaluate to a string, got ${describe(url)}`);
  }
  return url;
}

/** Header values go on the wire as text; a header whose value is null or absent is not sent. */
async function evaluateHeaders(headers: Record<string, Template> | undefined, scope: Scope): Promise<Record<string, string> | undefined> {
  if (headers === undefined) {
    return undefined;
  }
  const evaluated = (await evaluateTemplate(headers, scope)) as Record<string, unknown>;
  const entries = Object.entries(evaluated)
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
