import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Platform } from './support/platform';

interface OpenApiDocument {
  paths: Record<string, Record<string, { summary?: string; security?: unknown[] }>>;
  components?: { securitySchemes?: Record<string, unknown> };
  security?: unknown[];
}

/** `METHOD /path` of every row of the route table in docs/api.md (`/resume`-style suffixes expanded). */
function documentedRoutes(): string[] {
  const table = readFileSync(resolve(__dirname, '../docs/api.md'), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('| [`'));
  return table.flatMap((line) => {
    const cell = line.slice(2, line.indexOf('](#'));
    const calls = [...cell.matchAll(/`([A-Z]+ )?(\/[^`]*)`/g)];
    const [first] = calls;
    const method = first[1].trim();
    const base = first[2];
    return calls.map(([, ownMethod, path]) => {
      // "`POST /v1/runs/{id}/pause`, `/resume`": the suffix replaces the last segment.
      if (ownMethod === undefined) return `${method} ${base.slice(0, base.lastIndexOf('/'))}${path}`;
      return `${ownMethod.trim()} ${path}`;
    });
  });
}

describe('the admin API contract', () => {
  let platform: Platform;
  let document: OpenApiDocument;

  beforeAll(async () => {
    platform = await Platform.start();
    document = (await platform.api<OpenApiDocument>('GET', '/docs/openapi.json')).body;
  });

  afterAll(async () => {
    await platform?.cleanup();
  });

  it('serves an OpenAPI document with exactly the routes docs/api.md lists', () => {
    const served = Object.entries(document.paths)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    const documented = documentedRoutes()
      .filter((route) => route !== 'GET /metrics') // Prometheus text, not part of the JSON API document
      .sort();
    expect(served).toEqual(documented);
  });

  it('describes every operation and declares the bearer API key', () => {
    const unnamed = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, operation]) => !operation.summary)
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(unnamed).toEqual([]);
    expect(document.components?.securitySchemes?.['apiKey']).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.security).toEqual([{ apiKey: [] }]);
  });
});
