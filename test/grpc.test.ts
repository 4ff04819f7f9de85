import { resolve } from 'node:path';
import { credentials, Metadata, status, type Client, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { loadPackageDefinition } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Platform } from './support/platform';

const ADMIN = 'grpc-admin-key-5e2a9c4f7b1d';
const OPERATOR = 'grpc-operator-key-4b7e2d9a1c6f';
const VIEWER = 'grpc-viewer-key-8c3f1a6d2e9b';

const BATON_PROTO = resolve(__dirname, '../libs/contracts/proto/baton.proto');
const HEALTH_PROTO = resolve(__dirname, '../node_modules/grpc-health-check/proto/health/v1/health.proto');
const REFLECTION_PROTO = resolve(__dirname, '../node_modules/@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto');

type Unary = (request: object, metadata: Metadata, callback: (error: ServiceError | null, reply: Record<string, unknown>) => void) => void;
type BatonClient = Client &
  Record<string, Unary> & { WatchRun(request: object, metadata: Metadata): ClientReadableStream<Record<string, unknown>> };

const nightly = `
name: grpc-nightly
triggers:
  - schedule: "0 3 1 1 *"
steps:
  - id: wait
    type: approval
`;

const broken = `
name: grpc-broken
steps:
  - id: stop
    type: fail
    error: "stock is gone"
`;

const approvalFlow = `
name: grpc-approval
steps:
  - id: manager
    type: approval
  - id: done
    type: transform
    output: { approved: "\${ steps.manager.output.decision }" }
output: "\${ steps.done.output }"
`;

function clientFor<T>(proto: string, service: string, address: string): T {
  const loaded = loadPackageDefinition(loadSync(proto, { keepCase: false, longs: String, enums: String, defaults: true })) as Record<
    string,
    unknown
  >;
  const Constructor = service.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], loaded) as new (
    address: string,
    creds: ReturnType<typeof credentials.createInsecure>,
  ) => T;
  return new Constructor(address, credentials.createInsecure());
}

const auth = (key?: string) => {
  const metadata = new Metadata();
  if (key) metadata.set('authorization', `Bearer ${key}`);
  return metadata;
};

function call(client: BatonClient, method: string, request: object, key?: string): Promise<Record<string, unknown>> {
  return new Promise((done, fail) => client[method](request, auth(key), (error, reply) => (error ? fail(error) : done(reply))));
}

async function failure(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('expected the call to fail');
}

const problemOf = (error: ServiceError) =>
  JSON.parse(String(error.metadata.get('baton-problem-bin')[0])) as { status: number; errors?: unknown[] };

describe('the gRPC admin API', () => {
  let platform: Platform;
  let client: BatonClient;
  let address: string;

  beforeAll(async () => {
    platform = await Platform.start({ env: { BATON_API_KEYS: `${ADMIN}:admin,${OPERATOR}:operator,${VIEWER}:viewer` } });
    address = `127.0.0.1:${platform.grpcPort}`;
    client = clientFor<BatonClient>(BATON_PROTO, 'baton.v1.Baton', address);
  });

  afterAll(async () => {
    client?.close();
    await platform?.cleanup();
  });

  it('answers gRPC health checks and server reflection', async () => {
    const health = clientFor<Client & { Check: Unary }>(HEALTH_PROTO, 'grpc.health.v1.Health', address);
    const checked = await new Promise<Record<string, unknown>>((done, fail) =>
      health.Check({ service: 'baton.v1.Baton' }, new Metadata(), (error, reply) => (error ? fail(error) : done(reply))),
    );
    expect(checked.status).toBe('SERVING');
    health.close();

    const reflection = clientFor<Client & { ServerReflectionInfo(): NodeJS.ReadWriteStream & { write(m: object): void } }>(
      REFLECTION_PROTO,
      'grpc.reflection.v1.ServerReflection',
      address,
    );
    const stream = reflection.ServerReflectionInfo();
    const listed = new Promise<{ listServicesResponse: { service: { name: string }[] } }>((done) => stream.once('data', done));
    stream.write({ listServices: '' });
    expect((await listed).listServicesResponse.service.map((s) => s.name)).toContain('baton.v1.Baton');
    stream.end();
    reflection.close();
  });

  it('needs an API key and a role the permission table allows', async () => {
    const unauthenticated = await failure(call(client, 'ListRuns', {}));
    expect(unauthenticated.code).toBe(status.UNAUTHENTICATED);
    expect(problemOf(unauthenticated).status).toBe(401);

    const denied = await failure(call(client, 'RegisterDefinition', { text: approvalFlow, format: 'yaml' }, VIEWER));
    expect(denied.code).toBe(status.PERMISSION_DENIED);
    expect(denied.details).toBe('role viewer may not definitions.register');
  });

  it('validates like the HTTP API, with the problem and its paths in a trailer', async () => {
    const invalid = await failure(call(client, 'StartRun', { workflow: 'Not A Name', inputJson: '{}' }, ADMIN));
    expect(invalid.code).toBe(status.INVALID_ARGUMENT);
    expect(problemOf(invalid).errors).toEqual([{ path: 'workflow', message: 'workflow must match [a-z0-9-]+' }]);

    const badJson = await failure(call(client, 'StartRun', { workflow: 'grpc-approval', inputJson: '{' }, ADMIN));
    expect(badJson.code).toBe(status.INVALID_ARGUMENT);
    expect(problemOf(badJson).errors).toMatchObject([{ path: 'inputJson' }]);

    const missing = await failure(call(client, 'GetRun', { id: '00000000-0000-4000-8000-000000000000' }, VIEWER));
    expect(missing.code).toBe(status.NOT_FOUND);
  });

  it('registers, starts, watches, signals and reads a run', async () => {
    const registered = await call(client, 'RegisterDefinition', { text: approvalFlow, format: 'yaml' }, ADMIN);
    expect(registered).toMatchObject({ created: true, name: 'grpc-approval', version: 1 });

    const started = await call(client, 'StartRun', { workflow: 'grpc-approval', inputJson: '{"ticket":"T-1"}' }, ADMIN);
    expect(started.created).toBe(true);
    const runId = (started.run as { id: string }).id;

    const updates: { status: string; steps: { id: string; status: string }[] }[] = [];
    const watch = client.WatchRun({ id: runId }, auth(VIEWER));
    const ended = new Promise<void>((done, fail) => {
      watch.on('data', (run: { status: string; steps: { id: string; status: string }[] }) => updates.push(run));
      watch.on('end', done);
      watch.on('error', fail);
    });
    await expect
      .poll(() => updates.some((run) => run.steps.find((s) => s.id === 'manager')?.status === 'waiting'), { timeout: 10_000 })
      .toBe(true);

    const signalled = await call(client, 'SignalRun', { id: runId, name: 'manager', decision: 'approved', by: 'ana' }, ADMIN);
    expect(signalled.id).toBe(runId);
    await ended;
    expect(updates.at(-1)?.status).toBe('completed');
    expect(new Set(updates.map((run) => JSON.stringify([run.status, run.steps.map((s) => s.status)]))).size).toBe(updates.length);

    const read = await call(client, 'GetRun', { id: runId }, VIEWER);
    expect(read).toMatchObject({ status: 'completed', workflow: 'grpc-approval' });
    expect(JSON.parse(String(read.outputJson))).toEqual({ approved: 'approved' });
    expect(JSON.parse(String(read.inputJson))).toEqual({ ticket: 'T-1' });

    const listed = await call(client, 'ListRuns', { workflow: 'grpc-approval' }, VIEWER);
    expect((listed.items as { id: string }[]).map((run) => run.id)).toEqual([runId]);
    const later = await call(
      client,
      'ListRuns',
      { workflow: 'grpc-approval', createdAfter: new Date(Date.now() + 60_000).toISOString() },
      VIEWER,
    );
    expect(later.items).toEqual([]);
    const badStatus = await failure(call(client, 'ListRuns', { status: 'sleeping' }, VIEWER));
    expect(problemOf(badStatus).errors).toMatchObject([{ path: 'status' }]);

    const audit = await call(client, 'ListAudit', { limit: 100 }, ADMIN);
    const entries = (audit.itemsJson as string[]).map((item) => JSON.parse(item) as { path: string; outcome: string });
    expect(entries.filter((e) => e.outcome === 'allowed').map((e) => e.path)).toEqual(
      expect.arrayContaining(['/baton.v1.Baton/RegisterDefinition', '/baton.v1.Baton/StartRun', '/baton.v1.Baton/SignalRun']),
    );
  });

  it('manages global notification rules and lists deliveries', async () => {
    const rule = { on: ['completed'], workflows: ['grpc-approval'], nats: { subject: 'grpc.ops.done' } };
    const put = await call(client, 'PutNotificationRule', { name: 'grpc-ops', ruleJson: JSON.stringify(rule) }, ADMIN);
    expect(put.created).toBe(true);
    expect(JSON.parse(String(put.ruleJson))).toMatchObject({ name: 'grpc-ops', ...rule });

    const invalid = await failure(call(client, 'PutNotificationRule', { name: 'bad', ruleJson: '{"on": ["failed"]}' }, ADMIN));
    expect(invalid.code).toBe(status.INVALID_ARGUMENT);
    expect(problemOf(invalid).errors).toEqual([{ path: '', message: 'a notification needs one channel: webhook, chat, email, nats' }]);

    const rules = await call(client, 'ListNotificationRules', {}, VIEWER);
    expect((rules.itemsJson as string[]).map((item) => (JSON.parse(item) as { name: string }).name)).toEqual(['grpc-ops']);
    const deliveries = await call(client, 'ListDeliveries', { workflow: 'grpc-approval' }, VIEWER);
    expect(deliveries.itemsJson).toEqual([]);
    expect((await failure(call(client, 'DeleteNotificationRule', { name: 'grpc-ops' }, VIEWER))).code).toBe(status.PERMISSION_DENIED);
    await call(client, 'DeleteNotificationRule', { name: 'grpc-ops' }, ADMIN);
    expect((await failure(call(client, 'DeleteNotificationRule', { name: 'grpc-ops' }, ADMIN))).code).toBe(status.NOT_FOUND);
  });

  const reaches = (id: string, wanted: string) =>
    expect.poll(async () => (await call(client, 'GetRun', { id }, VIEWER)).status, { timeout: 10_000 }).toBe(wanted);

  it('calls every other RPC of baton.v1.Baton', async () => {
    expect(await call(client, 'ValidateDefinition', { text: nightly, format: 'yaml' }, OPERATOR)).toEqual({ valid: true });
    for (const text of [nightly, broken]) await call(client, 'RegisterDefinition', { text, format: 'yaml' }, ADMIN);
    const definitions = await call(client, 'ListDefinitions', { limit: 10 }, VIEWER);
    expect((definitions.itemsJson as string[]).map((item) => (JSON.parse(item) as { name: string }).name)).toEqual(
      expect.arrayContaining(['grpc-approval', 'grpc-broken', 'grpc-nightly']),
    );
    const definition = JSON.parse(String((await call(client, 'GetDefinition', { name: 'grpc-nightly', version: 1 }, VIEWER)).json));
    expect(definition).toMatchObject({ name: 'grpc-nightly', version: 1 });

    // The operations of a run: pause, resume, cancel; history; retry of a failed run.
    const { run } = await call(client, 'StartRun', { workflow: 'grpc-nightly' }, OPERATOR);
    const id = (run as { id: string }).id;
    await reaches(id, 'running');
    expect((await call(client, 'PauseRun', { id }, OPERATOR)).status).toBe('paused');
    expect((await call(client, 'ResumeRun', { id }, OPERATOR)).status).toBe('running');
    expect((await call(client, 'CancelRun', { id, reason: 'not tonight' }, OPERATOR)).status).toBe('cancelled');
    const history = await call(client, 'GetRunHistory', { id, limit: 50 }, VIEWER);
    expect((history.itemsJson as string[]).map((item) => (JSON.parse(item) as { type: string }).type)).toEqual(
      expect.arrayContaining(['RunStarted', 'RunPaused', 'RunResumed', 'RunCancelled']),
    );
    const failed = (await call(client, 'StartRun', { workflow: 'grpc-broken' }, OPERATOR)).run as { id: string };
    await reaches(failed.id, 'failed');
    expect((await call(client, 'RetryRun', { id: failed.id }, OPERATOR)).id).toBe(failed.id);

    // Events.
    const event = { specversion: '1.0', id: 'evt-grpc-1', source: 'tests/grpc', type: 'grpc.tested', data: { ok: true } };
    expect(await call(client, 'PublishEvent', { json: JSON.stringify(event) }, OPERATOR)).toEqual({
      id: 'evt-grpc-1',
      subject: 'baton.events.grpc.tested',
    });
    const invalidEvent = await failure(call(client, 'PublishEvent', { json: JSON.stringify({ ...event, specversion: '0.3' }) }, OPERATOR));
    expect(problemOf(invalidEvent).errors).toMatchObject([{ path: 'specversion' }]);
    expect(await call(client, 'ListRejectedEvents', {}, VIEWER)).toMatchObject({ itemsJson: [] });

    // Schedules: the definition's cron trigger is synced within a few seconds.
    const scheduleId = 'grpc-nightly.0';
    await expect
      .poll(async () => ((await call(client, 'ListSchedules', { workflow: 'grpc-nightly' }, VIEWER)).itemsJson as string[]).length, {
        timeout: 10_000,
      })
      .toBe(1);
    expect(JSON.parse(String((await call(client, 'PauseSchedule', { id: scheduleId }, OPERATOR)).json))).toMatchObject({ paused: true });
    expect(JSON.parse(String((await call(client, 'ResumeSchedule', { id: scheduleId }, OPERATOR)).json))).toMatchObject({ paused: false });
    expect((await call(client, 'TriggerSchedule', { id: scheduleId }, OPERATOR)).runIds).toHaveLength(1);
    const backfilled = await call(
      client,
      'BackfillSchedule',
      { id: scheduleId, from: '2024-01-01T00:00:00Z', to: '2025-12-31T23:59:59Z' },
      OPERATOR,
    );
    expect(backfilled.runIds).toHaveLength(2);

    // Insights.
    const insights = JSON.parse(String((await call(client, 'GetInsights', { workflow: 'grpc-nightly', window: '1h' }, VIEWER)).json));
    expect(insights).toMatchObject({ workflow: 'grpc-nightly', runs: { cancelled: 1 } });
  });

  it('lets an operator start and cancel runs but not register definitions, and audits every case', async () => {
    const started = (await call(client, 'StartRun', { workflow: 'grpc-approval' }, OPERATOR)).run as { id: string };
    expect((await call(client, 'CancelRun', { id: started.id }, OPERATOR)).status).toBe('cancelled');
    const denied = await failure(call(client, 'RegisterDefinition', { text: approvalFlow, format: 'yaml' }, OPERATOR));
    expect(denied.code).toBe(status.PERMISSION_DENIED);
    const viewerCancel = await failure(call(client, 'CancelRun', { id: started.id }, VIEWER));
    expect(viewerCancel.code).toBe(status.PERMISSION_DENIED);

    const audit = await call(client, 'ListAudit', { limit: 20 }, ADMIN);
    const entries = (audit.itemsJson as string[]).map(
      (item) => JSON.parse(item) as { path: string; outcome: string; role?: string; status: number },
    );
    expect(entries.slice(0, 4).map((e) => [e.path, e.outcome, e.role])).toEqual([
      ['/baton.v1.Baton/CancelRun', 'denied', 'viewer'],
      ['/baton.v1.Baton/RegisterDefinition', 'denied', 'operator'],
      ['/baton.v1.Baton/CancelRun', 'allowed', 'operator'],
      ['/baton.v1.Baton/StartRun', 'allowed', 'operator'],
    ]);
  });
});
