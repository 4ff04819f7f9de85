import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Platform, type RunBody } from './support/platform';

const ADMIN = 'admin-key-7f3c9a1e5b2d4c6f';
const OPERATOR = 'operator-key-2b8e4d1a9c7f3e5d';
const VIEWER = 'viewer-key-9d4a2c7e1f5b3a8c';

const definition = {
  name: 'auth-check',
  steps: [{ id: 'manager', type: 'approval' }],
};

interface Problem {
  status: number;
  title: string;
  detail: string;
}

interface AuditPage {
  items: { principal: string; role?: string; method: string; path: string; permission?: string; outcome: string; status: number }[];
  nextCursor: string | null;
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('API keys, roles and the audit log', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await Platform.start({ env: { BATON_API_KEYS: `${ADMIN}:admin,${OPERATOR}:operator,${VIEWER}:viewer` } });
  });

  afterAll(async () => {
    await platform?.cleanup();
  });

  it('answers 401 problem+json without a key or with an unknown one, and leaves probes and metrics open', async () => {
    const none = await platform.api<Problem>('GET', '/v1/runs');
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toContain('application/problem+json');
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="baton"');
    expect(none.body.detail).toContain('Authorization: Bearer');

    const unknown = await platform.api<Problem>('GET', '/v1/runs', undefined, bearer('not-a-key-of-this-platform'));
    expect(unknown.status).toBe(401);
    expect(unknown.body.detail).toBe('unknown API key');

    expect((await platform.api('GET', '/health/ready')).status).toBe(200);
    expect((await fetch(`${platform.baseUrl}/metrics`)).status).toBe(200);
  });

  it('lets each role do what the permission table allows, and answers 403 otherwise', async () => {
    const asViewer = await platform.api<Problem>('POST', '/v1/definitions', definition, bearer(VIEWER));
    expect(asViewer.status).toBe(403);
    expect(asViewer.body.detail).toBe('role viewer may not definitions.register');
    expect((await platform.api('POST', '/v1/definitions', definition, bearer(OPERATOR))).status).toBe(403);
    expect((await platform.api('POST', '/v1/definitions', definition, bearer(ADMIN))).status).toBe(201);

    expect((await platform.api('POST', '/v1/runs', { workflow: 'auth-check', input: {} }, bearer(VIEWER))).status).toBe(403);
    const started = await platform.api<RunBody>('POST', '/v1/runs', { workflow: 'auth-check', input: { ticket: 'T-7' } }, bearer(OPERATOR));
    expect(started.status).toBe(201);

    const read = await platform.api<RunBody>('GET', `/v1/runs/${started.body.id}`, undefined, bearer(VIEWER));
    expect(read.status).toBe(200);
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    const before = await platform.api<{ items: RunBody[] }>('GET', `/v1/runs?createdBefore=${inAnHour}`, undefined, bearer(VIEWER));
    expect(before.body.items.map((run) => run.id)).toEqual([started.body.id]);
    const after = await platform.api<{ items: RunBody[] }>('GET', `/v1/runs?createdAfter=${inAnHour}`, undefined, bearer(VIEWER));
    expect(after.body.items).toEqual([]);
    const byKey = (json: string) =>
      platform.api<{ items: RunBody[] }>('GET', `/v1/runs?inputContains=${encodeURIComponent(json)}`, undefined, bearer(VIEWER));
    expect((await byKey('{"ticket":"T-7"}')).body.items.map((run) => run.id)).toEqual([started.body.id]);
    expect((await byKey('{"ticket":"T-8"}')).body.items).toEqual([]);
    expect((await byKey('["T-7"]')).status).toBe(400);
    const badRange = await platform.api<{ errors: { path: string }[] }>(
      'GET',
      '/v1/runs?createdAfter=yesterday',
      undefined,
      bearer(VIEWER),
    );
    expect(badRange.status).toBe(400);
    expect(badRange.body.errors.map((e) => e.path)).toEqual(['createdAfter']);
    expect((await platform.api('POST', `/v1/runs/${started.body.id}/cancel`, {}, bearer(VIEWER))).status).toBe(403);
    const cancelled = await platform.api<RunBody>('POST', `/v1/runs/${started.body.id}/cancel`, { reason: 'test' }, bearer(OPERATOR));
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect((await platform.api('GET', '/v1/audit', undefined, bearer(OPERATOR))).status).toBe(403);
    expect(
      (await platform.api('PUT', '/v1/notifications/rules/ops', { on: ['failed'], nats: { subject: 'ops.alerts' } }, bearer(OPERATOR)))
        .status,
    ).toBe(403);
  });

  it('audits every mutating call and every denial, naming the key without revealing it', async () => {
    const audit = await platform.api<AuditPage>('GET', '/v1/audit?limit=100', undefined, bearer(ADMIN));
    expect(audit.status).toBe(200);
    const entries = audit.body.items;
    expect(entries.find((e) => e.method === 'POST' && e.path === '/v1/definitions' && e.outcome === 'allowed')).toMatchObject({
      role: 'admin',
      permission: 'definitions.register',
      status: 201,
      principal: expect.stringMatching(/^key:[0-9a-f]{8}$/) as unknown,
    });
    expect(entries.filter((e) => e.path === '/v1/definitions' && e.outcome === 'denied').map((e) => e.role)).toEqual([
      'operator',
      'viewer',
    ]);
    expect(entries.filter((e) => e.path.endsWith('/cancel')).map((e) => [e.outcome, e.role, e.status])).toEqual([
      ['allowed', 'operator', 200],
      ['denied', 'viewer', 403],
    ]);
    expect(entries.find((e) => e.path === '/v1/runs' && e.outcome === 'allowed')).toMatchObject({ role: 'operator', status: 201 });
    expect(entries.filter((e) => e.status === 401).map((e) => e.principal)).toEqual(['unauthenticated', 'unauthenticated']);
    expect(entries.some((e) => e.path === '/v1/audit' && e.outcome === 'denied' && e.role === 'operator')).toBe(true);
    // Reads are not audited; only their denials are.
    expect(entries.some((e) => e.method === 'GET' && e.outcome === 'allowed')).toBe(false);

    const firstPage = await platform.api<AuditPage>('GET', '/v1/audit?limit=2', undefined, bearer(ADMIN));
    const secondPage = await platform.api<AuditPage>(
      'GET',
      `/v1/audit?limit=2&cursor=${firstPage.body.nextCursor}`,
      undefined,
      bearer(ADMIN),
    );
    expect([...firstPage.body.items, ...secondPage.body.items]).toEqual(entries.slice(0, 4));

    const serialised = JSON.stringify(entries) + platform.logs;
    for (const key of [ADMIN, OPERATOR, VIEWER]) expect(serialised).not.toContain(key);
  });
});

describe('without API keys', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await Platform.start({ env: { BATON_HTTP_HOST: '0.0.0.0', BATON_LOG_LEVEL: 'log' } });
  });

  afterAll(async () => {
    await platform?.cleanup();
  });

  it('binds to loopback only, says so, and needs no key', async () => {
    expect(platform.logs).toContain('BATON_API_KEYS is not set: binding the admin API to 127.0.0.1, not 0.0.0.0');
    expect(platform.logs).toContain('admin API listening on http://127.0.0.1:');
    expect((await platform.api('GET', '/v1/runs')).status).toBe(200);
  });
});

describe('OIDC bearer tokens', () => {
  let platform: Platform;
  let jwks: Server;
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  const ISSUER = 'https://id.example.test/';
  const AUDIENCE = 'baton-api';

  const token = (claims: Record<string, unknown>, options: { expiresIn?: string; audience?: string } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
      .setSubject('ana@example.test')
      .setIssuer(ISSUER)
      .setAudience(options.audience ?? AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '5m')
      .sign(privateKey);

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
    jwks = createServer((_request, response) =>
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] })),
    );
    await new Promise<void>((done) => jwks.listen(0, '127.0.0.1', done));
    const { port } = jwks.address() as AddressInfo;
    platform = await Platform.start({
      env: {
        BATON_OIDC_JWKS_URL: `http://127.0.0.1:${port}/jwks.json`,
        BATON_OIDC_ISSUER: ISSUER,
        BATON_OIDC_AUDIENCE: AUDIENCE,
        BATON_API_KEYS: `${ADMIN}:admin`,
      },
    });
    expect((await platform.api('POST', '/v1/definitions', definition, bearer(ADMIN))).status).toBe(201);
  });

  afterAll(async () => {
    await platform?.cleanup();
    await new Promise((done) => jwks?.close(done));
  });

  it('accepts a token signed by the identity provider, with the role of its claim', async () => {
    const operator = await token({ baton_role: 'operator' });
    expect((await platform.api('POST', '/v1/runs', { workflow: 'auth-check', input: {} }, bearer(operator))).status).toBe(201);
    const strongest = await token({ baton_role: ['viewer', 'admin'] });
    expect((await platform.api('GET', '/v1/audit', undefined, bearer(strongest))).status).toBe(200);
  });

  it('refuses an expired token, another audience, a token without a role, and a role that may not', async () => {
    const expired = await platform.api<Problem>(
      'GET',
      '/v1/runs',
      undefined,
      bearer(await token({ baton_role: 'admin' }, { expiresIn: '-1m' })),
    );
    expect(expired.status).toBe(401);
    expect(expired.body.detail).toContain('invalid token');
    expect(
      (await platform.api('GET', '/v1/runs', undefined, bearer(await token({ baton_role: 'admin' }, { audience: 'other' })))).status,
    ).toBe(401);
    const roleless = await platform.api<Problem>('GET', '/v1/runs', undefined, bearer(await token({})));
    expect(roleless.status).toBe(403);
    expect(roleless.body.detail).toBe('the token carries no Baton role');
    const viewer = await platform.api<Problem>(
      'POST',
      '/v1/runs',
      { workflow: 'auth-check', input: {} },
      bearer(await token({ baton_role: 'viewer' })),
    );
    expect(viewer.status).toBe(403);

    const audit = await platform.api<AuditPage>('GET', '/v1/audit?limit=20', undefined, bearer(ADMIN));
    expect(audit.body.items.find((e) => e.status === 403 && e.principal === 'oidc:ana@example.test')).toMatchObject({ role: 'viewer' });
  });
});
