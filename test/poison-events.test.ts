import { randomBytes } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudEvent, publishEvent } from './support/cloud-events';
import { Platform, sleep, type RunBody } from './support/platform';

const WORKFLOW = 'poison-proof';
const EVENT_TYPE = 'poison.order.placed';
const MALFORMED = 3000;
const PUBLISH_BATCH = 250;
/** The valid event published after the flood must have completed its run within this. */
const VALID_EVENT_BOUND_MS = 30_000;
const DEFAULT_MAX_BODY_BYTES = 512 * 1024;

const definition = `
name: ${WORKFLOW}
description: Confirms an order; proves valid events still get through a flood of malformed ones
triggers:
  - event: ${EVENT_TYPE}
    input: { orderId: "\${ event.data.orderId }" }
steps:
  - id: confirm
    type: transform
    output: { confirmation: "\${ 'confirmed-' & input.orderId }" }
output: { confirmation: "\${ steps.confirm.output.confirmation }" }
`;

type Kind = 'not-json' | 'invalid-cloudevent' | 'type-mismatch';

interface Poison {
  kind: Kind;
  /** Logical subject (without the platform's namespace). */
  subject: string;
  /** An object is published as a JSON envelope (with its id as Nats-Msg-Id), a string as is. */
  payload: string | Record<string, unknown>;
}

/** What the rejected-events list must say for each kind. */
const EXPECTED_REASON: Record<Kind, RegExp> = {
  'not-json': /not valid JSON/,
  'invalid-cloudevent': /not a valid CloudEvents 1\.0 envelope/,
  'type-mismatch': /does not match subject/,
};

/** Three kinds in turn, spread over the subject the workflow listens on and others. */
function poison(i: number, batch: string): Poison {
  const subject = i % 2 === 0 ? `baton.events.${EVENT_TYPE}` : `baton.events.poison.misc${i % 7}`;
  const uid = `${batch}-${i}`;
  switch (i % 3) {
    case 0: {
      const texts = [`not json ${uid}`, `{"specversion":"1.0","id":"${uid}",`, `<event id="${uid}"/>`, '', `{'single': 'quotes ${uid}'}`];
      return { kind: 'not-json', subject, payload: texts[((i / 3) % texts.length) | 0] };
    }
    case 1: {
      const shapes: Poison['payload'][] = [
        { specversion: '0.3', id: uid, source: 'tests/poison', type: EVENT_TYPE, data: { orderId: uid } },
        { id: uid, type: EVENT_TYPE, data: { orderId: uid } },
        { specversion: '1.0', id: uid, source: 'tests/poison', type: 'has spaces in it', data: {} },
        { specversion: '1.0', id: '', source: '', type: EVENT_TYPE },
        { specversion: '1.0', id: uid, source: 'tests/poison', type: EVENT_TYPE, time: 'yesterday', data: { orderId: uid } },
        JSON.stringify([uid, EVENT_TYPE]),
        '42',
        'null',
      ];
      return { kind: 'invalid-cloudevent', subject, payload: shapes[Math.floor(i / 3) % shapes.length] };
    }
    default: {
      // A well-formed event on the wrong subject: either direction must start nothing.
      const onTriggerSubject = Math.floor(i / 3) % 2 === 0;
      return onTriggerSubject
        ? {
            kind: 'type-mismatch',
            subject: `baton.events.${EVENT_TYPE}`,
            payload: cloudEvent('poison.something.else', { orderId: uid }, { id: uid }),
          }
        : {
            kind: 'type-mismatch',
            subject: 'baton.events.poison.elsewhere',
            payload: cloudEvent(EVENT_TYPE, { orderId: uid }, { id: uid }),
          };
    }
  }
}

interface RejectedItem {
  id: string;
  subject: string;
  reason: string;
  errors: { path: string; message: string }[];
  event: unknown;
  receivedAt: string;
}

describe('a flood of malformed events', () => {
  let platform: Platform;
  let nc: NatsConnection;
  const batch = randomBytes(3).toString('hex');
  const published: Poison[] = [];

  beforeAll(async () => {
    platform = await Platform.start();
    nc = await platform.nats();
    const registered = await platform.api('POST', '/v1/definitions', definition);
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  });

  afterAll(async () => {
    await nc?.close().catch(() => undefined);
    await platform?.cleanup();
  });

  it('does not hold up a valid event published after it, and the platform stays ready', async () => {
    const readiness = pollReadiness(platform);
    try {
      for (let start = 0; start < MALFORMED; start += PUBLISH_BATCH) {
        const chunk = Array.from({ length: Math.min(PUBLISH_BATCH, MALFORMED - start) }, (_, j) => poison(start + j, batch));
        await Promise.all(chunk.map((p) => publishEvent(nc, platform.subject(p.subject), p.payload)));
        published.push(...chunk);
      }

      const orderId = `valid-${batch}`;
      await publishEvent(nc, platform.subject(`baton.events.${EVENT_TYPE}`), cloudEvent(EVENT_TYPE, { orderId }));
      const publishedAt = Date.now();
      const [summary] = await platform.waitForRuns(WORKFLOW, 1, VALID_EVENT_BOUND_MS);
      const run = await platform.waitForRun(
        summary.id,
        ['completed', 'failed', 'cancelled'],
        Math.max(1, publishedAt + VALID_EVENT_BOUND_MS - Date.now()),
      );
      const completedWithinMs = Date.now() - publishedAt;
      expect(run).toMatchObject({ status: 'completed', input: { orderId }, output: { confirmation: `confirmed-${orderId}` } });
      expect(completedWithinMs).toBeLessThanOrEqual(VALID_EVENT_BOUND_MS);

      // None of the malformed events started anything, not even the mismatched ones whose type triggers the workflow.
      const runs = await platform.api<{ items: RunBody[] }>('GET', `/v1/runs?workflow=${WORKFLOW}&limit=500`);
      expect(runs.body.items.map((r) => r.id)).toEqual([run.id]);
    } finally {
      await readiness.stop();
    }
    expect(readiness.statuses.length).toBeGreaterThan(3);
    expect(
      readiness.statuses.filter((s) => s !== 200),
      `non-200 answers of GET /health/ready among ${readiness.statuses.length} polls`,
    ).toEqual([]);
  });

  it('lists every malformed event as rejected, with the reason of its kind', async () => {
    expect(published).toHaveLength(MALFORMED);
    // The platform is this file's own, so every rejected event is one of the flood. It may still be
    // draining when the valid run completes (events are handled concurrently).
    let rejected: RejectedItem[] = [];
    await expect
      .poll(
        async () => {
          rejected = await readAllRejected(platform);
          return rejected.length;
        },
        { timeout: 30_000, interval: 1000, message: 'rejected events recorded for the flood' },
      )
      .toBe(MALFORMED);

    expect(new Set(rejected.map((r) => r.id)).size, 'pages must not repeat items').toBe(rejected.length);
    for (const kind of Object.keys(EXPECTED_REASON) as Kind[]) {
      const ofKind = rejected.filter((r) => EXPECTED_REASON[kind].test(r.reason));
      expect(ofKind.length, `rejected events whose reason says ${EXPECTED_REASON[kind]}`).toBe(
        published.filter((p) => p.kind === kind).length,
      );
    }

    const byReason = (pattern: RegExp) => rejected.find((r) => pattern.test(r.reason)) as RejectedItem;
    const notJson = byReason(EXPECTED_REASON['not-json']);
    expect(notJson.subject).toMatch(/^baton\.events\./);
    const invalid = rejected.find(
      (r) => EXPECTED_REASON['invalid-cloudevent'].test(r.reason) && isObject(r.event) && !('specversion' in r.event),
    );
    expect(invalid?.errors.map((e) => e.path)).toEqual(expect.arrayContaining(['specversion', 'source']));
    const mismatch = rejected.find((r) => EXPECTED_REASON['type-mismatch'].test(r.reason) && r.subject === 'baton.events.poison.elsewhere');
    expect(mismatch).toMatchObject({ reason: expect.stringContaining(`type '${EVENT_TYPE}'`), event: { type: EVENT_TYPE } });
  });

  it('records malformed events that contain NUL characters as rejected too', async () => {
    // Binary garbage and JSON strings with \u0000 are common poison; PostgreSQL text and jsonb refuse NUL.
    const cases = [
      { subject: 'baton.events.poison.nul.binary', payload: `bin\u0000ary-${batch}`, reason: EXPECTED_REASON['not-json'] },
      {
        subject: 'baton.events.poison.nul.invalid',
        payload: { specversion: '1.0', id: `nul-${batch}`, type: 'poison.nul.invalid', data: `a\u0000b` },
        reason: EXPECTED_REASON['invalid-cloudevent'],
      },
      // Unstorable data makes the envelope invalid before its subject is even looked at.
      {
        subject: 'baton.events.poison.nul.mismatch',
        payload: cloudEvent(EVENT_TYPE, { note: `a\u0000b` }),
        reason: EXPECTED_REASON['invalid-cloudevent'],
      },
    ];
    for (const c of cases) await publishEvent(nc, platform.subject(c.subject), c.payload);

    const recorded = async () => {
      const { body } = await platform.api<{ items: RejectedItem[] }>('GET', '/v1/events/rejected?limit=20');
      return cases.map((c) => body.items.some((r) => r.subject === c.subject && c.reason.test(r.reason)));
    };
    const deadline = Date.now() + 15_000;
    let seen = await recorded();
    while (seen.includes(false) && Date.now() < deadline) {
      await sleep(500);
      seen = await recorded();
    }
    expect(seen, `listed as rejected: ${cases.map((c) => c.subject).join(', ')}; platform logs:\n${lastLines(platform.logs, 6)}`).toEqual(
      cases.map(() => true),
    );
  });

  it('answers a definition just under BATON_MAX_BODY_BYTES with a result or a 4xx problem, never a 500', async () => {
    const head = definition.replace(`name: ${WORKFLOW}`, 'name: almost-too-big');
    const line = `# ${'x'.repeat(78)}\n`;
    const nearLimit = head + line.repeat(Math.floor((DEFAULT_MAX_BODY_BYTES - 512 - head.length) / line.length));
    expect(Buffer.byteLength(nearLimit)).toBeLessThan(DEFAULT_MAX_BODY_BYTES);
    const response = await platform.api('POST', '/v1/definitions', nearLimit);
    expect(
      response.status,
      `${response.status} ${JSON.stringify(response.body)}; platform logs:\n${lastLines(platform.logs, 2)}`,
    ).toBeLessThan(500);
    if (response.status >= 400) expect(response.headers.get('content-type')).toContain('application/problem+json');
  });

  it('refuses a definition over BATON_MAX_BODY_BYTES with 413 problem+json and stays ready', async () => {
    const filler = `# ${'x'.repeat(78)}\n`.repeat(Math.ceil((DEFAULT_MAX_BODY_BYTES + 1024) / 81));
    const oversized = `${definition.replace(`name: ${WORKFLOW}`, 'name: oversized')}${filler}`;
    expect(Buffer.byteLength(oversized)).toBeGreaterThan(DEFAULT_MAX_BODY_BYTES);
    const response = await platform.api<{ status: number; title: string; detail: string }>('POST', '/v1/definitions', oversized);
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body).toMatchObject({ status: 413 });
    expect((await platform.api('GET', '/v1/definitions/oversized')).status).toBe(404);
    expect((await platform.api('GET', '/health/ready')).status).toBe(200);
  });
});

const lastLines = (text: string, count: number) => text.trimEnd().split('\n').slice(-count).join('\n');

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Pages through GET /v1/events/rejected (newest first) with `limit=500` until `nextCursor` is null. */
async function readAllRejected(platform: Platform): Promise<RejectedItem[]> {
  const items: RejectedItem[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 50; page++) {
    const query: string = cursor ? `limit=500&cursor=${encodeURIComponent(cursor)}` : 'limit=500';
    const response = await platform.api<{ items: RejectedItem[]; nextCursor: string | null }>('GET', `/v1/events/rejected?${query}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    items.push(...response.body.items);
    cursor = response.body.nextCursor;
    if (!cursor) return items;
  }
  throw new Error('GET /v1/events/rejected did not end after 50 pages');
}

/** Polls GET /health/ready in the background until stopped. */
function pollReadiness(platform: Platform) {
  const statuses: number[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      statuses.push(await platform.readyStatus(5_000));
      await sleep(200);
    }
  })();
  return {
    statuses,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}
