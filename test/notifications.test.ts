import { createHmac, randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpTarget, type RecordedRequest } from './support/http-target';
import { Platform, sleep, type RunBody } from './support/platform';
import { SmtpSink, type ReceivedMail } from './support/smtp-sink';
import type { DeliveryView, Page } from '@baton/contracts';

const HOOK_SECRET = 'whsec-notifications-test';
const REPLAY_WINDOW_SECONDS = 300;
const RETRY_INITIAL_MS = 200;
const MAX_ATTEMPTS = 5;
const DEAD_LETTER_SUBJECT = 'baton.dlq.notifier-deliveries';

/** Workflow names unique to this file's run. */
const suffix = randomBytes(3).toString('hex');
const workflowName = (base: string) => `${base}-${suffix}`;

interface NotificationBody {
  type: string;
  event: string;
  runId: string;
  workflow: string;
  version: number;
  status: string;
  stepId?: string;
  error?: { message: string; stepId?: string };
  occurredAt: string;
}

interface ChatBody {
  text: string;
  blocks: { type: string; text?: { type: string; text: string }; elements?: { text: string }[] }[];
}

interface Problem {
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
}

interface NatsMessage {
  subject: string;
  msgId: string | undefined;
  json: Record<string, unknown>;
}

/** Polls `probe` until `accept` holds, at most `timeoutMs`; returns the accepted value. */
async function waitUntil<T>(what: string, probe: () => Promise<T> | T, accept: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (accept(last)) return last;
    await sleep(100);
  }
  throw new Error(`${what} not within ${timeoutMs} ms; last seen: ${JSON.stringify(last)}`);
}

const byRule = (a: DeliveryView, b: DeliveryView) => a.rule.localeCompare(b.rule);

describe('notifications', () => {
  let platform: Platform;
  let target: HttpTarget;
  let smtp: SmtpSink;
  let nc: NatsConnection;
  const subscriptions: Subscription[] = [];
  /** The status each request to a path was answered with, in order. */
  const answered = new Map<string, number[]>();

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    target = await HttpTarget.start();
    target.respondWith((request) => {
      const earlier = answered.get(request.path) ?? [];
      const status = request.path === '/hooks/flaky' ? (earlier.length < 3 ? 503 : 200) : request.path === '/hooks/down' ? 500 : 200;
      answered.set(request.path, [...earlier, status]);
      return status === 200 ? { status, body: { ok: true } } : { status, body: { error: 'receiver down for maintenance' } };
    });
    platform = await Platform.start({
      env: {
        BATON_SMTP_URL: smtp.url,
        BATON_NOTIFY_RETRY_INITIAL_MS: String(RETRY_INITIAL_MS),
        BATON_NOTIFY_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
        BATON_SECRET_notifyHook: HOOK_SECRET,
      },
    });
    nc = await platform.nats();
  });

  afterAll(async () => {
    for (const subscription of subscriptions) subscription.unsubscribe();
    await nc?.close();
    await platform?.cleanup();
    await target?.close();
    await smtp?.close();
  });

  /** Core NATS subscriber on the platform's (namespaced) subject for a logical one. */
  function collect(logicalSubject: string): NatsMessage[] {
    const received: NatsMessage[] = [];
    const subscription = nc.subscribe(platform.subject(logicalSubject), {
      callback: (_error, msg: Msg) =>
        void received.push({ subject: msg.subject, msgId: msg.headers?.get('Nats-Msg-Id'), json: msg.json<Record<string, unknown>>() }),
    });
    subscriptions.push(subscription);
    return received;
  }

  async function register(definition: Record<string, unknown>): Promise<void> {
    const registered = await platform.api('POST', '/v1/definitions', definition);
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  }

  async function startRun(workflow: string, input: unknown = {}): Promise<string> {
    const started = await platform.api<RunBody>('POST', '/v1/runs', { workflow, input });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    return started.body.id;
  }

  async function deliveries(query: string): Promise<Page<DeliveryView>> {
    const { status, body } = await platform.api<Page<DeliveryView>>('GET', `/v1/notifications/deliveries?${query}`);
    expect(status, JSON.stringify(body)).toBe(200);
    return body;
  }

  /** The run's deliveries once `count` of them have settled (delivered or dead-lettered), by rule. */
  async function settledDeliveries(runId: string, count: number, timeoutMs = 15_000): Promise<DeliveryView[]> {
    const items = await waitUntil(
      `${count} settled deliveries of run ${runId}`,
      async () => (await deliveries(`runId=${runId}`)).items,
      (found) => found.length === count && found.every((d) => d.status !== 'pending'),
      timeoutMs,
    );
    return [...items].sort(byRule);
  }

  const requestsAbout = (path: string, runId: string): RecordedRequest[] => target.requestsTo(path).filter((r) => r.body.includes(runId));

  const mailAbout = (runId: string): ReceivedMail[] => smtp.messages.filter((m) => m.headers['x-baton-delivery']?.startsWith(`${runId}:`));

  it('tells a webhook (signed), a chat room, two mailboxes and a NATS subject that a run failed', async () => {
    const workflow = workflowName('nf-failing-charge');
    const alerts = `ops.alerts.${suffix}`;
    const natsAlerts = collect(alerts);
    await register({
      name: workflow,
      steps: [{ id: 'charge', type: 'fail', error: 'card declined for order ${ input.orderId }' }],
      notifications: [
        {
          on: ['failed'],
          webhook: { url: target.url('/hooks/signed'), secret: '${ secrets.notifyHook }', headers: { 'X-Team': 'payments' } },
        },
        { on: ['failed'], chat: { url: target.url('/chat/failures') } },
        { on: ['failed'], email: { to: ['ops@example.test', 'lead@example.test'] } },
        { on: ['failed'], nats: { subject: alerts } },
      ],
    });

    const runId = await startRun(workflow, { orderId: 'o-17' });
    expect((await platform.waitForRun(runId)).status).toBe('failed');

    const settled = await settledDeliveries(runId, 4);
    expect(
      settled.map(({ rule, channel, target: to, status, attempts, event }) => ({ rule, channel, target: to, status, attempts, event })),
    ).toEqual([
      {
        rule: 'definition[0]',
        channel: 'webhook',
        target: target.url('/hooks/signed'),
        status: 'delivered',
        attempts: 1,
        event: 'run.failed',
      },
      {
        rule: 'definition[1]',
        channel: 'chat',
        target: target.url('/chat/failures'),
        status: 'delivered',
        attempts: 1,
        event: 'run.failed',
      },
      {
        rule: 'definition[2]',
        channel: 'email',
        target: 'ops@example.test, lead@example.test',
        status: 'delivered',
        attempts: 1,
        event: 'run.failed',
      },
      { rule: 'definition[3]', channel: 'nats', target: alerts, status: 'delivered', attempts: 1, event: 'run.failed' },
    ]);
    for (const delivery of settled) {
      expect(delivery).toMatchObject({ id: `${runId}:failed:${delivery.rule}`, runId, workflow, deliveredAt: expect.any(String) });
      expect(delivery).not.toHaveProperty('lastError');
      expect(delivery).not.toHaveProperty('nextAttemptAt');
    }

    // The webhook: the notification JSON, signed over "<timestamp>.<raw body>", fresh enough to pass a replay window.
    const [hook, ...moreHooks] = requestsAbout('/hooks/signed', runId);
    expect(moreHooks).toEqual([]);
    expect(hook.headers['content-type']).toBe('application/json');
    expect(hook.headers['x-baton-event']).toBe('run.failed');
    expect(hook.headers['x-baton-delivery']).toBe(`${runId}:failed:definition[0]`);
    expect(hook.headers['x-team']).toBe('payments');
    const timestamp = String(hook.headers['x-baton-timestamp']);
    expect(timestamp).toMatch(/^\d+$/);
    expect(Math.abs(Date.now() / 1000 - Number(timestamp))).toBeLessThanOrEqual(REPLAY_WINDOW_SECONDS);
    const expected = `sha256=${createHmac('sha256', HOOK_SECRET).update(`${timestamp}.${hook.body}`).digest('hex')}`;
    expect(hook.headers['x-baton-signature']).toBe(expected);
    const notification = JSON.parse(hook.body) as NotificationBody;
    expect(notification).toEqual({
      type: 'baton.run.failed',
      event: 'failed',
      runId,
      workflow,
      version: 1,
      status: 'failed',
      error: { message: expect.stringContaining('card declined for order o-17') as unknown, stepId: 'charge' },
      occurredAt: expect.any(String) as unknown,
    });

    // The chat room: Slack's incoming-webhook format, naming the workflow, the run and the error.
    const [chatRequest, ...moreChat] = requestsAbout('/chat/failures', runId);
    expect(moreChat).toEqual([]);
    expect(chatRequest.headers['content-type']).toBe('application/json');
    const chat = JSON.parse(chatRequest.body) as ChatBody;
    expect(chat.text).toContain(workflow);
    expect(chat.text).toContain(runId);
    expect(chat.text).toContain('failed');
    expect(chat.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
    expect(chat.blocks[1].text?.text).toContain('card declined for order o-17');

    // The mailboxes: one message to both addresses.
    const mails = await waitUntil(
      'the failure e-mail',
      () => mailAbout(runId),
      (found) => found.length > 0,
    );
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    expect([...mail.envelopeTo].sort()).toEqual(['lead@example.test', 'ops@example.test']);
    expect(mail.headers['to']).toContain('ops@example.test');
    expect(mail.headers['to']).toContain('lead@example.test');
    expect(mail.headers['from']).toContain('baton@localhost');
    expect(mail.subject).toContain(runId);
    expect(mail.subject).toContain(workflow);
    expect(mail.headers['x-baton-delivery']).toBe(`${runId}:failed:definition[2]`);
    expect(mail.headers['x-baton-event']).toBe('run.failed');
    expect(mail.text).toContain('card declined for order o-17');

    // The NATS subject: the same notification JSON, with the delivery id for deduplication.
    await waitUntil(
      'the NATS notification',
      () => natsAlerts.length,
      (count) => count > 0,
    );
    expect(natsAlerts).toHaveLength(1);
    expect(natsAlerts[0]).toEqual({ subject: platform.subject(alerts), msgId: `${runId}:failed:definition[3]`, json: notification });
  });

  it('retries a receiver that answers 503 with back-off, and stops once it answers 200', async () => {
    const workflow = workflowName('nf-flaky-receiver');
    await register({
      name: workflow,
      steps: [{ id: 'noop', type: 'transform', output: { ok: true } }],
      notifications: [{ on: ['completed'], webhook: { url: target.url('/hooks/flaky') } }],
    });

    const runId = await startRun(workflow);
    const [delivery] = await settledDeliveries(runId, 1);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 4, lastStatusCode: 200, deliveredAt: expect.any(String) });
    expect(delivery).not.toHaveProperty('lastError');

    const calls = target.requestsTo('/hooks/flaky');
    expect(answered.get('/hooks/flaky')).toEqual([503, 503, 503, 200]);
    expect(new Set(calls.map((c) => c.headers['x-baton-delivery']))).toEqual(new Set([`${runId}:completed:definition[0]`]));
    // 200 ms, then 400 ms, then 800 ms between attempts (BATON_NOTIFY_RETRY_INITIAL_MS=200, doubled each time).
    const gaps = calls.slice(1).map((call, index) => call.receivedAt - calls[index].receivedAt);
    expect(gaps).toHaveLength(3);
    [200, 400, 800].forEach((delay, index) => expect(gaps[index]).toBeGreaterThanOrEqual(delay - 20));

    // The next back-off would have been 1.6 s: nothing more comes once it is delivered.
    await sleep(2_000);
    expect(target.requestsTo('/hooks/flaky')).toHaveLength(4);
    expect((await deliveries(`runId=${runId}`)).items[0]).toMatchObject({ status: 'delivered', attempts: 4 });
  });

  it('dead-letters a delivery after BATON_NOTIFY_MAX_ATTEMPTS failures and publishes it to the dead-letter subject', async () => {
    const workflow = workflowName('nf-dead-receiver');
    const deadLetters = collect(DEAD_LETTER_SUBJECT);
    await register({
      name: workflow,
      steps: [{ id: 'noop', type: 'transform', output: { ok: true } }],
      notifications: [{ on: ['completed'], webhook: { url: target.url('/hooks/down') } }],
    });

    const runId = await startRun(workflow);
    const [delivery] = await settledDeliveries(runId, 1, 20_000);
    const deliveryId = `${runId}:completed:definition[0]`;
    expect(delivery).toMatchObject({
      id: deliveryId,
      status: 'dead_lettered',
      attempts: MAX_ATTEMPTS,
      lastStatusCode: 500,
      lastError: expect.stringContaining('HTTP 500') as unknown,
    });
    expect(delivery.lastError).toContain('receiver down for maintenance');
    expect(delivery).not.toHaveProperty('deliveredAt');
    expect(delivery).not.toHaveProperty('nextAttemptAt');
    expect(target.requestsTo('/hooks/down')).toHaveLength(MAX_ATTEMPTS);

    const dead = await waitUntil(
      'the dead letter',
      () => deadLetters.filter((m) => m.json.deliveryId === deliveryId),
      (found) => found.length > 0,
    );
    expect(dead).toHaveLength(1);
    expect(dead[0].json).toMatchObject({
      deliveryId,
      channel: 'webhook',
      target: target.url('/hooks/down'),
      attempts: MAX_ATTEMPTS,
      error: expect.stringContaining('HTTP 500') as unknown,
      notification: { type: 'baton.run.completed', runId, workflow, status: 'completed' },
    });

    // It is kept in the dead-letter stream, too, for whoever reads it later.
    const jsm = await jetstreamManager(nc);
    const stored = await jsm.streams.getMessage(`${platform.namespace.toUpperCase()}_BATON_DLQ`, {
      last_by_subj: platform.subject(DEAD_LETTER_SUBJECT),
    });
    expect(stored?.json<{ deliveryId: string }>().deliveryId).toBe(deliveryId);

    const listed = await deliveries(`workflow=${workflow}&status=dead_lettered`);
    expect(listed.items.map((d) => d.id)).toEqual([deliveryId]);
    expect((await deliveries(`workflow=${workflow}&status=delivered`)).items).toEqual([]);
  });

  it('manages global rules through the API and notifies only the workflows they name', async () => {
    const covered = workflowName('nf-global-covered');
    const other = workflowName('nf-global-other');
    await register({ name: covered, steps: [{ id: 'noop', type: 'transform', output: { ok: true } }] });
    await register({
      name: other,
      steps: [{ id: 'noop', type: 'transform', output: { ok: true } }],
      notifications: [{ on: ['completed'], webhook: { url: target.url('/hooks/other') } }],
    });
    const rule = { on: ['completed'], workflows: [covered], webhook: { url: target.url('/hooks/ops') } };

    const created = await platform.api<Record<string, unknown>>('PUT', '/v1/notifications/rules/ops', rule);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ name: 'ops', ...rule, createdAt: expect.any(String), updatedAt: expect.any(String) });
    const replaced = await platform.api<Record<string, unknown>>('PUT', '/v1/notifications/rules/ops', {
      ...rule,
      webhook: { ...rule.webhook, headers: { 'X-Team': 'ops' } },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ name: 'ops', webhook: { url: rule.webhook.url, headers: { 'X-Team': 'ops' } } });
    const listed = await platform.api<{ items: { name: string }[] }>('GET', '/v1/notifications/rules');
    expect(listed.body.items).toEqual([expect.objectContaining({ name: 'ops', workflows: [covered] })]);

    const coveredRun = await startRun(covered);
    const [globalDelivery] = await settledDeliveries(coveredRun, 1);
    expect(globalDelivery).toMatchObject({
      id: `${coveredRun}:completed:global:ops`,
      rule: 'global:ops',
      channel: 'webhook',
      target: target.url('/hooks/ops'),
      status: 'delivered',
      attempts: 1,
    });
    const [opsHook] = requestsAbout('/hooks/ops', coveredRun);
    expect(opsHook.headers['x-team']).toBe('ops');
    expect(JSON.parse(opsHook.body)).toMatchObject({ type: 'baton.run.completed', runId: coveredRun, workflow: covered });

    // A run of another workflow gets its own rule's delivery, and none from the global rule.
    const otherRun = await startRun(other);
    const otherDeliveries = await settledDeliveries(otherRun, 1);
    expect(otherDeliveries.map((d) => d.rule)).toEqual(['definition[0]']);
    expect(requestsAbout('/hooks/ops', otherRun)).toEqual([]);

    // An invalid rule is refused with every problem at its path, and the rule in place stays.
    const invalid = await platform.api<Problem>('PUT', '/v1/notifications/rules/ops', {
      on: ['completed', 'exploded'],
      workflows: [],
      webhook: { url: 'ftp://ops.example.test/hooks' },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('content-type')).toContain('application/problem+json');
    expect(invalid.body.errors?.map((e) => e.path).sort()).toEqual(['on[1]', 'webhook.url', 'workflows']);
    const badName = await platform.api<Problem>('PUT', '/v1/notifications/rules/Ops_Team', rule);
    expect(badName.status).toBe(400);
    expect(badName.body.errors?.map((e) => e.path)).toEqual(['name']);
    const twoChannels = await platform.api<Problem>('PUT', '/v1/notifications/rules/ops', { ...rule, nats: { subject: 'ops.alerts' } });
    expect(twoChannels.status).toBe(400);
    expect(twoChannels.body.errors?.map((e) => e.path)).toEqual(['']);
    const kept = await platform.api<{ items: { webhook?: { url: string } }[] }>('GET', '/v1/notifications/rules');
    expect(kept.body.items.map((r) => r.webhook?.url)).toEqual([rule.webhook.url]);

    const deleted = await platform.api('DELETE', '/v1/notifications/rules/ops');
    expect(deleted.status).toBe(204);
    const again = await platform.api<Problem>('DELETE', '/v1/notifications/rules/ops');
    expect(again.status).toBe(404);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    expect((await platform.api<{ items: unknown[] }>('GET', '/v1/notifications/rules')).body.items).toEqual([]);
  });

  it('asks for each approval while the run waits, naming the step to signal', async () => {
    const workflow = workflowName('nf-refund-approval');
    await register({
      name: workflow,
      steps: [
        { id: 'manager', type: 'approval' },
        { id: 'finance', type: 'approval' },
        { id: 'refund', type: 'transform', output: { refunded: true } },
      ],
      notifications: [
        { on: ['approval_requested'], webhook: { url: target.url('/hooks/approvals') } },
        { on: ['approval_requested'], chat: { url: target.url('/chat/approvals') } },
      ],
    });
    const runId = await startRun(workflow);

    for (const stepId of ['manager', 'finance']) {
      const [hook] = await waitUntil(
        `the approval request for ${stepId}`,
        () => requestsAbout('/hooks/approvals', runId).filter((r) => (JSON.parse(r.body) as NotificationBody).stepId === stepId),
        (found) => found.length > 0,
      );
      expect(hook.headers['x-baton-event']).toBe('run.approval_requested');
      expect(JSON.parse(hook.body)).toEqual({
        type: 'baton.run.approval_requested',
        event: 'approval_requested',
        runId,
        workflow,
        version: 1,
        status: 'running',
        stepId,
        occurredAt: expect.any(String) as unknown,
      });
      const run = await platform.api<RunBody>('GET', `/v1/runs/${runId}`);
      expect(run.body.status).toBe('running');
      expect(run.body.steps.find((s) => s.id === stepId)?.status).toBe('waiting');

      const [chatRequest] = await waitUntil(
        `the chat message for ${stepId}`,
        () => requestsAbout('/chat/approvals', runId).filter((r) => r.body.includes(`/signals/${stepId}`)),
        (found) => found.length > 0,
      );
      const chat = JSON.parse(chatRequest.body) as ChatBody;
      expect(chat.text).toContain(runId);
      expect(chat.text).toContain('approval');
      expect(chat.blocks[1].text?.text).toContain(`POST /v1/runs/${runId}/signals/${stepId}`);

      const signalled = await platform.api('POST', `/v1/runs/${runId}/signals/${stepId}`, { decision: 'approved', by: 'ada' });
      expect(signalled.status, JSON.stringify(signalled.body)).toBe(200);
    }

    expect((await platform.waitForRun(runId)).status).toBe('completed');
    const settled = await settledDeliveries(runId, 4);
    expect(settled.map((d) => [d.id, d.status]).sort()).toEqual([
      [`${runId}:approval_requested:finance:definition[0]`, 'delivered'],
      [`${runId}:approval_requested:finance:definition[1]`, 'delivered'],
      [`${runId}:approval_requested:manager:definition[0]`, 'delivered'],
      [`${runId}:approval_requested:manager:definition[1]`, 'delivered'],
    ]);
  });

  it('refuses a NATS notification on Baton’s own subjects, in a definition or a global rule', async () => {
    // The notification carries the run id, which is all a cancel-run command needs.
    const rule = { on: ['approval_requested'], nats: { subject: 'baton.cmd.cancel-run' } };
    const definition = await platform.api<Problem>('POST', '/v1/definitions', {
      name: workflowName('nf-forged-command'),
      steps: [{ id: 'manager', type: 'approval' }],
      notifications: [rule],
    });
    expect(definition.status).toBe(400);
    expect(definition.body.errors).toEqual([
      { path: 'notifications[0].nats.subject', message: expect.stringContaining('internal to Baton') as unknown },
    ]);
    const global = await platform.api<Problem>('PUT', '/v1/notifications/rules/forged', rule);
    expect(global.status).toBe(400);
    expect(global.body.errors).toEqual([{ path: 'nats.subject', message: expect.stringContaining('internal to Baton') as unknown }]);
  });

  it('pages through deliveries with a cursor, newest first, without overlap', async () => {
    const workflow = workflowName('nf-paged');
    await register({
      name: workflow,
      steps: [{ id: 'noop', type: 'transform', output: { ok: true } }],
      notifications: ['a', 'b', 'c'].map((name) => ({ on: ['completed'], nats: { subject: `paged.${suffix}.${name}` } })),
    });
    const first = await startRun(workflow);
    await settledDeliveries(first, 3);
    const second = await startRun(workflow);
    await settledDeliveries(second, 3);

    const all = (await deliveries(`workflow=${workflow}`)).items;
    expect(all).toHaveLength(6);
    expect(all.slice(0, 3).every((d) => d.runId === second)).toBe(true);

    const pages: DeliveryView[][] = [];
    let cursor: string | null = null;
    do {
      const page: Page<DeliveryView> = await deliveries(`workflow=${workflow}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      pages.push(page.items);
      cursor = page.nextCursor;
      if (pages.length < 3) expect(cursor).toEqual(expect.any(String));
    } while (cursor !== null && pages.length < 10);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 2]);
    const paged = pages.flat().map((d) => d.id);
    expect(new Set(paged).size).toBe(6);
    expect(paged).toEqual(all.map((d) => d.id));

    const forged = await platform.api<Problem>('GET', '/v1/notifications/deliveries?cursor=not-a-cursor');
    expect(forged.status).toBe(400);
    expect(forged.body.errors?.map((e) => e.path)).toEqual(['cursor']);
    expect((await platform.api('GET', '/v1/notifications/deliveries?status=failed')).status).toBe(400);
    expect((await platform.api('GET', '/v1/notifications/deliveries?limit=0')).status).toBe(400);
  });
});
