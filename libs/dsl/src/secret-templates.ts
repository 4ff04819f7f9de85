import { randomUUID } from 'node:crypto';
import type { FieldError, Scope } from './definition.types';
import { evaluateTemplate } from './expressions';
import { childPath } from './field-path';
import { hasExpressions, scanTemplate } from './template-syntax';

/** `secrets` as the root of a path (`secrets.x`, `$lookup(secrets, …)`), not a field such as `input.secrets`. */
const SECRETS_REFERENCE = /(^|[^.\w$`])secrets\b/;

/** True when a template string reads `secrets`: such a string is resolved by the executor, never by the coordinator. */
export function usesSecrets(text: string): boolean {
  if (!hasExpressions(text)) return false;
  const scan = scanTemplate(text);
  return scan.ok && scan.parts.some((part) => part.kind === 'expression' && SECRETS_REFERENCE.test(part.source));
}

/** Where secrets may be used: places whose values are sent out, never stored in run state. */
/** Any http step's `with` (nested in a switch, parallel or forEach too, or its compensation), and webhook secrets. */
const SECRET_PLACES = [
  /(^|\.)(steps\[\d+\]|step)(\.compensate)?\.with\.(url|headers|body)(\.|\[|$)/,
  /^notifications\[\d+\]\.webhook\.secret$/,
];

/** Every string in the document that reads `secrets` outside the places allowed. */
export function misplacedSecretErrors(value: unknown, path = ''): FieldError[] {
  if (typeof value === 'string') {
    return usesSecrets(value) && !SECRET_PLACES.some((place) => place.test(path))
      ? [
          {
            path,
            message:
              "secrets can only be used in an http step's with (url, headers, body) and in webhook secrets, so they never reach run state",
          },
        ]
      : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, index) => misplacedSecretErrors(item, childPath(path, index)));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => misplacedSecretErrors(item, childPath(path, key)));
  }
  return [];
}

export type ValuePath = (string | number)[];

/** A template the executor resolves with `secrets` only, and where its value goes. */
export interface SecretTemplate {
  path: ValuePath;
  template: string;
}

/**
 * Evaluates a template against the scope, except strings that read `secrets`: they are kept as
 * written and listed with their paths, for the executor to resolve at the last moment. Only those
 * listed paths are ever resolved, so data that merely looks like a secret template stays inert.
 */
export async function evaluateTemplateDeferringSecrets(
  template: unknown,
  scope: Scope,
): Promise<{ value: unknown; secrets: SecretTemplate[] }> {
  const nonce = randomUUID();
  const deferred = new Map<string, string>();
  const masked = mask(template, (text) => {
    const placeholder = `baton-secret:${nonce}:${deferred.size}`;
    deferred.set(placeholder, text);
    return placeholder;
  });
  const value = await evaluateTemplate(masked, scope);
  const secrets: SecretTemplate[] = [];
  const restored = unmask(value, [], (placeholder, path) => {
    const original = deferred.get(placeholder);
    if (original === undefined) return placeholder;
    secrets.push({ path, template: original });
    return original;
  });
  return { value: restored, secrets };
}

function mask(value: unknown, placeholderFor: (text: string) => string): unknown {
  if (typeof value === 'string') return usesSecrets(value) ? placeholderFor(value) : value;
  if (Array.isArray(value)) return value.map((item) => mask(item, placeholderFor));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mask(v, placeholderFor)]));
  return value;
}

function unmask(value: unknown, path: ValuePath, restore: (text: string, path: ValuePath) => string): unknown {
  if (typeof value === 'string') return value.startsWith('baton-secret:') ? restore(value, path) : value;
  if (Array.isArray(value)) return value.map((item, index) => unmask(item, [...path, index], restore));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unmask(v, [...path, k], restore)]));
  }
  return value;
}
