import { createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BatonWorker, TerminalError } from '@baton/sdk';
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudEvent, publishEvent } from './support/cloud-events';
import { HttpTarget, type RecordedRequest } from './support/http-target';
import { Platform, type RunBody, type StepBody } from './support/platform';

/**
 * Every workflow in examples/<name>/<name>.yaml, registered from the file users copy and run on
 * the real platform, after the child workflows it calls with `subWorkflow` (the other YAML files
 * of its folder, see CHILD_WORKFLOWS). The YAML files call their services at SERVICES (see each
 * README); here one HttpTarget plays all of those services, so SERVICES is rewritten to its
 * address before registering. Task types are answered by SDK workers, approvals are sent through
 * the API, business events are published on NATS.
 */
const EXAMPLES_DIR = resolve(__dirname, '../examples');
const SERVICES = 'http://services.local:8099';
const EXAMPLES = [
  'incident-response',
  'ci-cd-pipeline',
  'supply-chain-rerouting',
  'customer-onboarding',
  'compliance-approval',
  'cloud-resource-allocation',
];
/** examples/<name>/<child>.yaml: the workflows an example runs as children, registered before it. */
const CHILD_WORKFLOWS: Record<string, string[]> = { 'customer-onboarding': ['identity-check'] };
/**
 * Waits of an example shortened so the test stays fast: `[workflow, what the file says, what is
 * registered]`. The identity check waits 30 minutes for the vendor's verdict on the document.
 */
const DOCUMENT_CHECK_TIMEOUT = '3s';
const SHORTENED: [string, string, string][] = [['identity-check', 'timeout: 30m', `timeout: ${DOCUMENT_CHECK_TIMEOUT}`]];

const REMEDIATION_TOKEN = `rem_${randomBytes(12).toString('hex')}`;
const CHANGE_HOOK_KEY = `whsec_${randomBytes(16).toString('hex')}`;

/** Subjects the examples publish to (logical, without the namespace). */
const PUBLISHED_SUBJECTS = [
  'oncall.pages',
  'baton.events.release.deployed',
  'customer-comms.shipment-updates',
  'email.outbound',
  'audit.change-approvals',
  'baton.events.resources.allocated',
];

// What makes the fake services misbehave, as their real counterparts would.
const UNHEALTHY_COMMIT = 'badc0ffee0ddf00d000000000000000000000001';
const CONFLICTING_SHIPMENT = 'SHP-40213';
const REQUIRED_BY = '2031-05-11T12:00:00Z';
/** The customer orders consolidated in the disrupted shipment (18 pallets in all). */
const SHIPMENT_ORDERS = [
  { orderId: 'PO-77120', customerId: 'CUST-NORDWIND', pallets: 10 },
  { orderId: 'PO-77131', customerId: 'CUST-HAFENKRAFT', pallets: 6 },
  { orderId: 'PO-77139', customerId: 'CUST-LINDQVIST', pallets: 2 },
];
const ROUTE_OPTIONS = [
  { routeId: 'rt-air-fra-ams', carrier: 'lufthansa-cargo', mode: 'air', eta: '2031-05-09T18:00:00Z', costUsd: 18_400 },
  { routeId: 'rt-rail-dui-rtm', carrier: 'db-cargo', mode: 'rail', eta: '2031-05-11T06:00:00Z', costUsd: 6_900 },
  { routeId: 'rt-road-gdn-rtm', carrier: 'dsv-road', mode: 'road', eta: '2031-05-12T09:00:00Z', costUsd: 4_100 },
];

type Json = Record<string, unknown>;

interface Answer {
  status: number;
  body?: unknown;
  delayMs?: number;
}

interface Route {
  method: string;
  path: RegExp;
  answer: (params: string[], body: Json, request: RecordedRequest) => Answer;
}

interface Published {
  subject: string;
  event: { id: string; source: string; type: string; data: Json };
}

interface HistoryItem {
  type: string;
  stepId?: string;
  attempt?: number;
  data?: unknown;
  at: string;
}

interface RunSummaryBody {
  id: string;
  status: string;
  trigger: { kind: string; eventId?: string };
}

type Step = StepBody & { compensation?: { status: string; attempts: number }; childRunId?: string; error?: { code?: string } };

interface SeenTask {
  taskType: string;
  runId: string;
  idempotencyKey: string;
  input: Json;
}

const bodyOf = (request: RecordedRequest): Json => (request.body ? (JSON.parse(request.body) as Json) : {});

/** The fake services behind SERVICES, by method and path. */
function fakeServices(): Route[] {
  const overloadedOnce = new Set<string>();
  const releases = new Map<string, string>(); // release id → commit
  let counter = 0;
  return [
    // incident-response: the remediation API refuses the first call per alert (overloaded), then runs the runbook.
    {
      method: 'POST',
      path: /^\/remediation\/v1\/services\/([^/]+)\/runbook-executions$/,
      answer: ([service], body, request) => {
        if (request.headers.authorization !== `Bearer ${REMEDIATION_TOKEN}`) return { status: 401, body: { error: 'bad token' } };
        const alertId = String(body.alertId);
        if (!overloadedOnce.has(alertId)) {
          overloadedOnce.add(alertId);
          return { status: 503, body: { error: 'remediation controller overloaded' } };
        }
        return {
          status: 202,
          body: { executionId: `rx-${alertId}`, runbook: body.runbook, status: 'succeeded', actions: [`restarted 3 pods of ${service}`] },
        };
      },
    },
    {
      method: 'POST',
      path: /^\/ticketing\/v1\/tickets$/,
      answer: () => {
        const key = `OPS-${++counter}`;
        return { status: 201, body: { key, url: `https://tickets.acme.example/browse/${key}` } };
      },
    },
    {
      method: 'POST',
      path: /^\/statuspage\/v1\/incidents$/,
      answer: () => {
        const id = `inc-${++counter}`;
        return { status: 201, body: { id, url: `https://status.acme.example/incidents/${id}` } };
      },
    },
    // ci-cd-pipeline
    {
      method: 'POST',
      path: /^\/security\/v1\/image-scans$/,
      answer: (_params, body) => ({
        status: 200,
        body: { scanId: `scan-${++counter}`, image: body.image, findings: { critical: 0, high: 0, medium: 2, low: 7 } },
      }),
    },
    {
      method: 'POST',
      path: /^\/deploy\/v1\/environments\/(staging|production)\/releases$/,
      answer: ([environment], body) => {
        const releaseId = `rel-${environment}-${++counter}`;
        releases.set(releaseId, String(body.commitSha));
        return { status: 201, body: { releaseId, previousReleaseId: `rel-${environment}-stable`, status: 'rolling-out' } };
      },
    },
    {
      method: 'POST',
      path: /^\/deploy\/v1\/environments\/(staging|production)\/rollbacks$/,
      answer: (_params, body) => ({ status: 202, body: { rollbackId: `rb-${String(body.release)}`, restoring: body.restore } }),
    },
    {
      method: 'GET',
      path: /^\/deploy\/v1\/environments\/production\/releases\/([^/]+)\/health$/,
      answer: ([releaseId]) =>
        releases.get(releaseId) === UNHEALTHY_COMMIT
          ? { status: 503, body: { healthy: false, failing: ['checkout p99 latency 2400ms > 800ms'] } }
          : { status: 200, body: { healthy: true, checks: 14 } },
    },
    // supply-chain-rerouting
    {
      method: 'POST',
      path: /^\/routing\/v2\/route-options$/,
      answer: (_params, body) => ({ status: 200, body: { origin: body.origin, destination: body.destination, options: ROUTE_OPTIONS } }),
    },
    {
      method: 'POST',
      path: /^\/carriers\/v1\/([^/]+)\/capacity-holds$/,
      answer: ([carrier], body) => ({ status: 201, body: { holdId: `hold-${String(body.reference)}`, carrier, pallets: body.pallets } }),
    },
    { method: 'DELETE', path: /^\/carriers\/v1\/([^/]+)\/capacity-holds\/([^/]+)$/, answer: () => ({ status: 204 }) },
    {
      method: 'POST',
      path: /^\/carriers\/v1\/([^/]+)\/bookings$/,
      answer: ([carrier], body) => ({ status: 201, body: { bookingRef: `BK-${String(body.reference)}`, carrier, holdId: body.holdId } }),
    },
    {
      method: 'POST',
      path: /^\/carriers\/v1\/([^/]+)\/bookings\/([^/]+)\/cancellation$/,
      answer: ([, bookingRef]) => ({ status: 200, body: { bookingRef, status: 'cancelled' } }),
    },
    {
      method: 'PUT',
      path: /^\/tms\/v1\/shipments\/([^/]+)\/route$/,
      answer: ([shipmentId]) =>
        shipmentId === CONFLICTING_SHIPMENT
          ? { status: 409, body: { error: `shipment ${shipmentId} was modified by another planner; reload it` } }
          : { status: 200, body: { shipmentId, status: 'rerouted' } },
    },
    // customer-onboarding: billing is not available in AR.
    {
      method: 'POST',
      path: /^\/accounts\/v1\/accounts$/,
      answer: (_params, body) => {
        const suffix = String(body.customerId).slice('cus_'.length);
        return { status: 201, body: { accountId: `acc_${suffix}`, accountNumber: `ACC-${suffix.toUpperCase()}`, status: 'active' } };
      },
    },
    {
      method: 'POST',
      path: /^\/accounts\/v1\/accounts\/([^/]+)\/closure$/,
      answer: ([accountId]) => ({ status: 200, body: { accountId, status: 'closed' } }),
    },
    {
      method: 'POST',
      path: /^\/billing\/v1\/subscriptions$/,
      answer: (_params, body) =>
        body.country === 'AR'
          ? { status: 422, body: { error: `plan ${String(body.plan)} cannot be billed in AR` } }
          : { status: 201, body: { subscriptionId: `sub_${String(body.accountId).slice('acc_'.length)}`, plan: body.plan } },
    },
    {
      method: 'POST',
      path: /^\/crm\/v1\/tasks$/,
      answer: (_params, body) => ({ status: 201, body: { taskId: `task-${String(body.accountId)}`, dueAt: body.dueAt } }),
    },
    // compliance-approval: the policy engine refuses risk scores of 70 and more.
    {
      method: 'POST',
      path: /^\/grc\/v1\/policy-evaluations$/,
      answer: (_params, body) =>
        Number(body.riskScore) >= 70
          ? { status: 422, body: { error: `risk score ${String(body.riskScore)} needs the change advisory board` } }
          : { status: 200, body: { evaluationId: `pe-${String(body.changeId)}`, controls: ['SOX-ITGC-04'], residualRisk: 'medium' } },
    },
    {
      method: 'PATCH',
      path: /^\/itsm\/v1\/changes\/([^/]+)$/,
      answer: ([changeId], body) => ({ status: 200, body: { changeId, state: body.state } }),
    },
    { method: 'POST', path: /^\/hooks\/change-management$/, answer: () => ({ status: 204 }) },
    // cloud-resource-allocation: the region's storage quota is 4096 GiB; the quota check takes a moment.
    {
      method: 'POST',
      path: /^\/cloud\/v1\/networks$/,
      answer: (_params, body) => ({
        status: 201,
        body: { networkId: `vpc-${String(body.name)}`, subnetId: `subnet-${String(body.name)}-a`, cidr: body.cidr },
      }),
    },
    {
      method: 'POST',
      path: /^\/cloud\/v1\/instance-groups$/,
      answer: (_params, body) => ({
        status: 201,
        body: {
          groupId: `ig-${String(body.name)}`,
          instanceIds: Array.from({ length: Number(body.count) }, (_, i) => `i-${String(body.name)}-${i + 1}`),
        },
      }),
    },
    {
      method: 'POST',
      path: /^\/cloud\/v1\/volumes$/,
      answer: (_params, body) =>
        Number(body.sizeGb) > 4096
          ? {
              status: 422,
              body: { error: 'QuotaExceeded', message: `storage quota of 4096 GiB in ${String(body.region)} exceeded` },
              delayMs: 400,
            }
          : { status: 201, body: { volumeId: `vol-${String(body.name)}`, sizeGb: body.sizeGb } },
    },
    { method: 'DELETE', path: /^\/cloud\/v1\/(networks|instance-groups|volumes)\/([^/]+)$/, answer: () => ({ status: 204 }) },
  ];
}

describe('the example workflows', () => {
  let platform: Platform;
  let target: HttpTarget;
  let nc: NatsConnection;
  let buildFarm: BatonWorker;
  let kycWorker: BatonWorker;
  const published: Published[] = [];
  const tasks: SeenTask[] = [];

  beforeAll(async () => {
    target = await HttpTarget.start();
    const routes = fakeServices();
    target.respondWith((request) => {
      const path = request.path.split('?')[0];
      for (const route of routes) {
        const match = route.method === request.method ? route.path.exec(path) : null;
        if (match) return route.answer(match.slice(1), bodyOf(request), request);
      }
      return { status: 404, body: { error: `no fake service for ${request.method} ${request.path}` } };
    });
    platform = await Platform.start({
      env: { BATON_SECRET_remediationApiToken: REMEDIATION_TOKEN, BATON_SECRET_changeHookSigningKey: CHANGE_HOOK_KEY },
    });

    nc = await platform.nats();
    for (const subject of PUBLISHED_SUBJECTS) {
      nc.subscribe(platform.subject(subject), {
        callback: (error: Error | null, msg: Msg) => {
          if (!error) published.push({ subject, event: msg.json() });
        },
      });
    }
    await nc.flush();

    buildFarm = new BatonWorker({ servers: platform.natsUrl, namespace: platform.namespace })
      .handle<{ repository: string; commitSha: string; tag: string }, Json>('build', async (input, ctx) => {
        tasks.push({ taskType: 'build', runId: ctx.runId, idempotencyKey: ctx.idempotencyKey, input });
        return {
          image: `registry.acme.example/${input.repository}:${input.tag}`,
          digest: `sha256:${createHash('sha256').update(input.commitSha).digest('hex')}`,
          durationSeconds: 94,
        };
      })
      .handle<{ image: string; suites: string[] }, Json>('test-suite', async (input, ctx) => {
        tasks.push({ taskType: 'test-suite', runId: ctx.runId, idempotencyKey: ctx.idempotencyKey, input });
        return { passed: 1284, failed: 0, skipped: 3, suites: input.suites };
      });
    kycWorker = new BatonWorker({ servers: platform.natsUrl, namespace: platform.namespace }).handle<
      { fullName: string; documentId: string; country: string },
      Json
    >('kyc-check', async (input, ctx) => {
      tasks.push({ taskType: 'kyc-check', runId: ctx.runId, idempotencyKey: ctx.idempotencyKey, input });
      if (input.documentId.startsWith('EXP-')) throw new TerminalError(`identity not verified: document ${input.documentId} has expired`);
      return { checkId: `kyc-${input.documentId}`, verified: true, riskLevel: input.country === 'DE' ? 'low' : 'medium' };
    });
    await buildFarm.start();
    await kycWorker.start();

    for (const example of EXAMPLES) {
      for (const name of [...(CHILD_WORKFLOWS[example] ?? []), example]) {
        let yaml = readFileSync(resolve(EXAMPLES_DIR, example, `${name}.yaml`), 'utf8');
        for (const [workflow, from, to] of SHORTENED.filter(([workflow]) => workflow === name)) {
          expect(yaml.split(from), `${workflow} says '${from}' once`).toHaveLength(2);
          yaml = yaml.replace(from, to);
        }
        const registered = await platform.api<{ name: string; version: number }>(
          'POST',
          '/v1/definitions',
          yaml.replaceAll(SERVICES, target.url('')),
        );
        expect(registered.status, `${name}: ${JSON.stringify(registered.body)}`).toBe(201);
        expect(registered.body).toMatchObject({ name, version: 1 });
      }
      expect(readFileSync(resolve(EXAMPLES_DIR, example, `${example}.yaml`), 'utf8')).toContain(SERVICES);
    }
  });

  afterAll(async () => {
    await buildFarm?.stop();
    await kycWorker?.stop();
    await nc?.close();
    await platform?.cleanup();
    await target?.close();
  });

  async function startRun(workflow: string, input: unknown, idempotencyKey?: string): Promise<string> {
    const { status, body } = await platform.api<RunBody>('POST', '/v1/runs', {
      workflow,
      input,
      ...(idempotencyKey ? { idempotencyKey } : {}),
    });
    expect(status, JSON.stringify(body)).toBe(201);
    return body.id;
  }

  async function runsOf(workflow: string): Promise<RunSummaryBody[]> {
    return (await platform.api<{ items: RunSummaryBody[] }>('GET', `/v1/runs?workflow=${workflow}&limit=100`)).body.items;
  }

  /** The run that the event with this id started. */
  async function runStartedBy(workflow: string, eventId: string): Promise<string> {
    let id: string | undefined;
    await expect
      .poll(
        async () => {
          id = (await runsOf(workflow)).find((run) => run.trigger.eventId === eventId)?.id;
          return id;
        },
        { timeout: 15_000, interval: 150 },
      )
      .toBeDefined();
    return id!;
  }

  async function waitForStep(runId: string, stepId: string, status = 'waiting'): Promise<RunBody> {
    let run: RunBody | undefined;
    await expect
      .poll(
        async () => {
          run = (await platform.api<RunBody>('GET', `/v1/runs/${runId}`)).body;
          return run.steps?.find((s) => s.id === stepId)?.status;
        },
        { timeout: 15_000, interval: 100 },
      )
      .toBe(status);
    return run!;
  }

  async function decide(runId: string, stepId: string, decision: { decision: string; by: string; comment?: string }): Promise<void> {
    const answer = await platform.api('POST', `/v1/runs/${runId}/signals/${stepId}`, decision);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  }

  async function history(runId: string): Promise<HistoryItem[]> {
    return (await platform.api<{ items: HistoryItem[] }>('GET', `/v1/runs/${runId}/history?limit=500`)).body.items;
  }

  const statusesOf = (run: RunBody) => Object.fromEntries(run.steps.map((s) => [s.id, s.status]));
  const stepOf = (run: RunBody, id: string) => run.steps.find((s) => s.id === id) as Step;
  /** The requests a run's steps and compensations made (each carries `Idempotency-Key: <runId>:…`), in arrival order. */
  const callsOf = (runId: string) => target.requests.filter((r) => String(r.headers['idempotency-key'] ?? '').startsWith(`${runId}:`));
  const routesOf = (runId: string) => callsOf(runId).map((r) => `${r.method} ${r.path}`);
  const callTo = (runId: string, method: string, path: string) => callsOf(runId).find((r) => r.method === method && r.path === path);
  const publishedBy = (runId: string) => published.filter((p) => p.event.source.endsWith(`/${runId}`));

  /** Sends an event through the API, which accepts it. */
  async function postEvent(event: object): Promise<void> {
    expect((await platform.api('POST', '/v1/events', event)).status).toBe(202);
  }

  /** The event started no run of the workflow: a filter or threshold kept it out. */
  async function expectNoRunStartedBy(workflow: string, eventId: string): Promise<void> {
    expect((await runsOf(workflow)).filter((r) => r.trigger.eventId === eventId)).toEqual([]);
  }

  /** Sends an approval decision once the step is waiting for it. */
  async function decideWhenWaiting(
    runId: string,
    stepId: string,
    decision: { decision: string; by: string; comment?: string },
  ): Promise<void> {
    await waitForStep(runId, stepId);
    await decide(runId, stepId, decision);
  }

  /** Waits for the run to end, and checks that it ended with this status. */
  async function endedRun(runId: string, status: string): Promise<RunBody> {
    const run = await platform.waitForRun(runId);
    expect(run.status).toBe(status);
    return run;
  }

  function expectEveryStepCompleted(run: RunBody): void {
    expect(Object.values(statusesOf(run)).every((status) => status === 'completed')).toBe(true);
  }

  /** The branches a switch ran, as its `StepRouted` history entry records them (`default` is the index after the last case). */
  async function routedBranches(runId: string, switchId: string): Promise<unknown> {
    return (await history(runId)).find((h) => h.type === 'StepRouted' && h.stepId === switchId)?.data;
  }

  /** Where a step's record of a type stands in the run's history: `index(type, stepId)`. */
  async function historyIndex(runId: string): Promise<(type: string, stepId: string) => number> {
    const entries = await history(runId);
    return (type, stepId) => entries.findIndex((h) => h.type === type && h.stepId === stepId);
  }

  /** The run published exactly one event, matching `expected`. */
  async function expectPublishedOnce(runId: string, expected: { subject: string; event: Json }): Promise<void> {
    await expect.poll(() => publishedBy(runId).length).toBe(1);
    expect(publishedBy(runId)[0]).toMatchObject(expected);
  }

  it('registers every examples/<name>/<name>.yaml, each with a README, and every other YAML file of the folder as a child', () => {
    const folders = readdirSync(EXAMPLES_DIR).filter((name) => existsSync(resolve(EXAMPLES_DIR, name, `${name}.yaml`)));
    expect(folders.sort()).toEqual([...EXAMPLES].sort());
    for (const name of EXAMPLES) {
      expect(existsSync(resolve(EXAMPLES_DIR, name, 'README.md'))).toBe(true);
      const yamlFiles = readdirSync(resolve(EXAMPLES_DIR, name)).filter((file) => /\.ya?ml$/.test(file));
      expect(yamlFiles.sort(), name).toEqual([name, ...(CHILD_WORKFLOWS[name] ?? [])].map((file) => `${file}.yaml`).sort());
    }
  });

  describe('incident-response', () => {
    const alert = (alertId: string, severity: string, extra: { tier?: string; errorRate?: number; service?: string } = {}) =>
      cloudEvent(
        'alert.fired',
        {
          alertId,
          alertname: 'HighErrorRate',
          severity,
          labels: { service: extra.service ?? 'checkout-api', team: 'payments', env: 'prod', tier: extra.tier ?? 'backend' },
          annotations: { summary: '5xx rate above 5% for 10 minutes', runbook: 'restart-unhealthy-pods' },
          metrics: { errorRate: extra.errorRate ?? 0.03 },
          startsAt: new Date().toISOString(),
        },
        { source: 'monitoring/alertmanager' },
      );

    it('ignores a medium alert; for a critical one retries the remediation, pages on-call (no ticket) and declares the incident once escalated', async () => {
      const medium = alert('ALRT-7001', 'medium');
      const critical = alert('ALRT-7002', 'critical', { tier: 'frontend', errorRate: 0.12 });
      await publishEvent(nc, platform.subject('baton.events.alert.fired'), medium);
      await publishEvent(nc, platform.subject('baton.events.alert.fired'), critical);
      const runId = await runStartedBy('incident-response', critical.id);

      const waiting = await waitForStep(runId, 'escalation');
      // A P1: the switch took its case (page the on-call engineer), and the ticket was skipped.
      expect(statusesOf(waiting)).toEqual({
        triage: 'completed',
        remediate: 'completed',
        notify: 'completed',
        escalation: 'waiting',
        declareIncident: 'pending',
        pageOncall: 'completed',
        openTicket: 'skipped',
      });
      expect(stepOf(waiting, 'triage').output).toEqual({ score: 97, priority: 'P1', team: 'payments' });
      await decide(runId, 'escalation', { decision: 'approved', by: 'j.ortiz', comment: 'still 9% errors after the restart' });

      const run = await endedRun(runId, 'completed');
      expect(statusesOf(run)).toEqual({
        triage: 'completed',
        remediate: 'completed',
        notify: 'completed',
        escalation: 'completed',
        declareIncident: 'completed',
        pageOncall: 'completed',
        openTicket: 'skipped',
      });
      expect(await routedBranches(runId, 'notify')).toEqual({ branches: [0] });
      // The switch completes with the output of the step that ran: the page's event.
      expect(stepOf(run, 'notify').output).toEqual({ subject: 'oncall.pages', id: `${runId}:pageOncall:1` });
      expect(run.output).toEqual({
        priority: 'P1',
        score: 97,
        remediation: {
          executionId: 'rx-ALRT-7002',
          runbook: 'restart-unhealthy-pods',
          status: 'succeeded',
          actions: ['restarted 3 pods of checkout-api'],
        },
        escalatedBy: 'j.ortiz',
        incidentUrl: expect.stringMatching(/^https:\/\/status\.acme\.example\/incidents\/inc-\d+$/),
      });

      // The remediation was refused once (503) and retried with a new idempotency key and the secret token.
      const remediations = callsOf(runId).filter((r) => r.path === '/remediation/v1/services/checkout-api/runbook-executions');
      expect(stepOf(run, 'remediate').attempts).toBe(2);
      expect(remediations.map((r) => r.headers['idempotency-key'])).toEqual([`${runId}:remediate:1`, `${runId}:remediate:2`]);
      expect(remediations.every((r) => r.headers.authorization === `Bearer ${REMEDIATION_TOKEN}`)).toBe(true);
      expect(bodyOf(remediations[1])).toEqual({ alertId: 'ALRT-7002', runbook: 'restart-unhealthy-pods', priority: 'P1' });
      // The token was resolved at call time only: the run's state keeps the template.
      expect(JSON.stringify(run)).not.toContain(REMEDIATION_TOKEN);
      expect(routesOf(runId)).toEqual([
        'POST /remediation/v1/services/checkout-api/runbook-executions',
        'POST /remediation/v1/services/checkout-api/runbook-executions',
        'POST /statuspage/v1/incidents',
      ]);
      expect(bodyOf(callTo(runId, 'POST', '/statuspage/v1/incidents')!)).toEqual({
        title: 'checkout-api: 5xx rate above 5% for 10 minutes',
        impact: 'major',
        components: ['checkout-api'],
        commander: 'j.ortiz',
        note: 'still 9% errors after the restart',
        remediation: 'rx-ALRT-7002',
      });

      // The page went out in parallel with the remediation (both right after triage).
      await expectPublishedOnce(runId, {
        subject: 'oncall.pages',
        event: {
          id: `${runId}:pageOncall:1`,
          type: 'oncall.page.requested',
          data: {
            incidentKey: 'ALRT-7002',
            team: 'payments',
            priority: 'P1',
            urgency: 'high',
            title: '[P1] checkout-api: 5xx rate above 5% for 10 minutes',
            runId,
          },
        },
      });
      const index = await historyIndex(runId);
      expect(index('StepStarted', 'pageOncall')).toBeLessThan(index('StepCompleted', 'remediate'));
      expect(index('StepCompleted', 'notify')).toBeLessThan(index('StepStarted', 'escalation'));

      // The medium alert was filtered out: it started no run.
      await expectNoRunStartedBy('incident-response', medium.id);
    });

    it('opens a ticket instead of paging for a P3, and ends failed, naming the decision, when the on-call engineer stands down', async () => {
      const high = alert('ALRT-7003', 'high', { service: 'search-api' });
      await postEvent(high);
      const runId = await runStartedBy('incident-response', high.id);
      const waiting = await waitForStep(runId, 'escalation');
      expect(stepOf(waiting, 'triage').output).toEqual({ score: 43, priority: 'P3', team: 'payments' });
      // A P3: the switch took its default (a ticket in the team's queue), and the page was skipped.
      expect(statusesOf(waiting)).toEqual({
        triage: 'completed',
        remediate: 'completed',
        notify: 'completed',
        escalation: 'waiting',
        declareIncident: 'pending',
        pageOncall: 'skipped',
        openTicket: 'completed',
      });
      expect(await routedBranches(runId, 'notify')).toEqual({ branches: [1] });
      const ticket = callTo(runId, 'POST', '/ticketing/v1/tickets')!;
      expect(ticket.headers['idempotency-key']).toBe(`${runId}:openTicket:1`);
      expect(bodyOf(ticket)).toEqual({
        queue: 'payments',
        priority: 'P3',
        title: '[P3] search-api: 5xx rate above 5% for 10 minutes',
        alertId: 'ALRT-7003',
        runId,
      });
      expect(stepOf(waiting, 'notify').output).toMatchObject({
        status: 201,
        body: {
          key: expect.stringMatching(/^OPS-\d+$/),
          url: expect.stringMatching(/^https:\/\/tickets\.acme\.example\/browse\/OPS-\d+$/),
        },
      });
      await decide(runId, 'escalation', { decision: 'rejected', by: 'm.chen', comment: 'recovered after the restart' });

      const run = await endedRun(runId, 'failed');
      expect(run.error).toEqual({
        stepId: 'escalation',
        message: "step 'escalation' failed: approval 'escalation' rejected by m.chen: recovered after the restart",
      });
      expect(statusesOf(run)).toEqual({
        triage: 'completed',
        remediate: 'completed',
        notify: 'completed',
        escalation: 'failed',
        declareIncident: 'skipped',
        pageOncall: 'skipped',
        openTicket: 'completed',
      });
      // No page went out: the team heard through the ticket, opened once.
      expect(publishedBy(runId)).toEqual([]);
      expect(routesOf(runId).filter((route) => !route.includes('/remediation/'))).toEqual(['POST /ticketing/v1/tickets']);
      expect(routesOf(runId)).not.toContain('POST /statuspage/v1/incidents');
    });
  });

  describe('ci-cd-pipeline', () => {
    const sha = () => randomBytes(20).toString('hex');
    const push = (commitSha: string, ref = 'refs/heads/main') =>
      cloudEvent(
        'repository.push',
        { ref, after: commitSha, repository: { fullName: 'acme/checkout-api' }, pusher: { name: 'l.nakamura' } },
        { source: 'github.com/acme/checkout-api' },
      );
    const input = (commitSha: string) => ({
      repository: 'acme/checkout-api',
      commitSha,
      branch: 'main',
      target: 'production',
      author: 'l.nakamura',
    });

    it('builds a push to main, tests and scans in parallel, and releases to staging then production after approval', async () => {
      const commitSha = sha();
      const feature = push(sha(), 'refs/heads/feature/faster-cart');
      const main = push(commitSha);
      await postEvent(feature);
      await postEvent(main);
      const runId = await runStartedBy('ci-cd-pipeline', main.id);

      const waiting = await waitForStep(runId, 'productionApproval');
      expect(statusesOf(waiting)).toMatchObject({
        build: 'completed',
        tests: 'completed',
        securityScan: 'completed',
        deployStaging: 'completed',
        promote: 'running',
        smokeTests: 'skipped',
      });
      expect(waiting.input).toMatchObject({ branch: 'main', target: 'production' });
      await decide(runId, 'productionApproval', { decision: 'approved', by: 'r.mensah', comment: 'staging smoke tests green' });

      const run = await endedRun(runId, 'completed');
      // The target was production: the switch ran its case, and the staging-only smoke tests were skipped.
      expect(statusesOf(run)).toEqual({
        build: 'completed',
        tests: 'completed',
        securityScan: 'completed',
        deployStaging: 'completed',
        promote: 'completed',
        announce: 'completed',
        productionApproval: 'completed',
        deployProduction: 'completed',
        verifyProduction: 'completed',
        smokeTests: 'skipped',
      });
      expect(await routedBranches(runId, 'promote')).toEqual({ branches: [0] });
      const image = `registry.acme.example/acme/checkout-api:${commitSha.slice(0, 12)}`;
      expect(run.output).toEqual({
        environment: 'production',
        image,
        tests: { passed: 1284, failed: 0, skipped: 3, suites: ['unit', 'integration'] },
        findings: { critical: 0, high: 0, medium: 2, low: 7 },
        stagingRelease: expect.stringMatching(/^rel-staging-\d+$/),
        productionRelease: expect.stringMatching(/^rel-production-\d+$/),
        approvedBy: 'r.mensah',
      });
      const output = run.output as { stagingRelease: string; productionRelease: string };

      // The build and test workers got the task with its idempotency key.
      expect(tasks.filter((t) => t.runId === runId).map((t) => [t.taskType, t.idempotencyKey])).toEqual([
        ['build', `${runId}:build:1`],
        ['test-suite', `${runId}:tests:1`],
      ]);
      expect(tasks.find((t) => t.runId === runId)?.input).toEqual({
        repository: 'acme/checkout-api',
        commitSha,
        tag: commitSha.slice(0, 12),
      });

      // Tests and scan both started after the build and before either finished; staging waited for both.
      const index = await historyIndex(runId);
      expect(index('StepCompleted', 'build')).toBeLessThan(Math.min(index('StepStarted', 'tests'), index('StepStarted', 'securityScan')));
      expect(index('StepStarted', 'tests')).toBeLessThan(index('StepCompleted', 'securityScan'));
      expect(index('StepStarted', 'securityScan')).toBeLessThan(index('StepCompleted', 'tests'));
      expect(Math.max(index('StepCompleted', 'tests'), index('StepCompleted', 'securityScan'))).toBeLessThan(
        index('StepStarted', 'deployStaging'),
      );

      expect(routesOf(runId)).toEqual([
        'POST /security/v1/image-scans',
        'POST /deploy/v1/environments/staging/releases',
        'POST /deploy/v1/environments/production/releases',
        `GET /deploy/v1/environments/production/releases/${output.productionRelease}/health`,
      ]);
      expect(bodyOf(callTo(runId, 'POST', '/deploy/v1/environments/production/releases')!)).toMatchObject({
        service: 'checkout-api',
        image,
        commitSha,
        approvedBy: 'r.mensah',
        strategy: 'canary',
      });
      await expectPublishedOnce(runId, {
        subject: 'baton.events.release.deployed',
        event: {
          type: 'release.deployed',
          data: { commitSha, environment: 'production', image, productionRelease: output.productionRelease, approvedBy: 'r.mensah' },
        },
      });

      // The feature-branch push started nothing.
      await expectNoRunStartedBy('ci-cd-pipeline', feature.id);
    });

    it('releases a push to develop to staging only, smoke-testing it there instead of asking for a production release', async () => {
      const commitSha = sha();
      const develop = push(commitSha, 'refs/heads/develop');
      await postEvent(develop);
      const runId = await runStartedBy('ci-cd-pipeline', develop.id);

      const run = await endedRun(runId, 'completed');
      expect(run.input).toMatchObject({ branch: 'develop', target: 'staging' });
      // The target was staging: the switch ran its default, and nothing of the production case ran.
      expect(statusesOf(run)).toEqual({
        build: 'completed',
        tests: 'completed',
        securityScan: 'completed',
        deployStaging: 'completed',
        promote: 'completed',
        announce: 'completed',
        productionApproval: 'skipped',
        deployProduction: 'skipped',
        verifyProduction: 'skipped',
        smokeTests: 'completed',
      });
      expect(await routedBranches(runId, 'promote')).toEqual({ branches: [1] });
      const image = `registry.acme.example/acme/checkout-api:${commitSha.slice(0, 12)}`;
      const smoke = { passed: 1284, failed: 0, skipped: 3, suites: ['smoke'] };
      expect(run.output).toEqual({
        environment: 'staging',
        image,
        tests: { passed: 1284, failed: 0, skipped: 3, suites: ['unit', 'integration'] },
        findings: { critical: 0, high: 0, medium: 2, low: 7 },
        stagingRelease: expect.stringMatching(/^rel-staging-\d+$/),
        smokeTests: smoke,
      });
      // The switch completes with the output of its branch's last step.
      expect(stepOf(run, 'promote').output).toEqual(smoke);
      const { stagingRelease } = run.output as { stagingRelease: string };

      // The smoke suite ran against the staging release, after it.
      expect(tasks.filter((t) => t.runId === runId).map((t) => [t.taskType, t.idempotencyKey])).toEqual([
        ['build', `${runId}:build:1`],
        ['test-suite', `${runId}:tests:1`],
        ['test-suite', `${runId}:smokeTests:1`],
      ]);
      expect(tasks.find((t) => t.idempotencyKey === `${runId}:smokeTests:1`)?.input).toEqual({
        image,
        suites: ['smoke'],
        environment: 'staging',
        release: stagingRelease,
      });
      const index = await historyIndex(runId);
      expect(index('StepCompleted', 'deployStaging')).toBeLessThan(index('StepStarted', 'smokeTests'));

      // Nothing went to production, and nobody was asked.
      expect(routesOf(runId)).toEqual(['POST /security/v1/image-scans', 'POST /deploy/v1/environments/staging/releases']);
      expect((await history(runId)).some((h) => h.stepId === 'productionApproval' && h.type !== 'StepSkipped')).toBe(false);
      await expectPublishedOnce(runId, {
        subject: 'baton.events.release.deployed',
        event: { type: 'release.deployed', data: { commitSha, environment: 'staging', image, stagingRelease } },
      });
      expect(publishedBy(runId)[0].event.data).not.toHaveProperty('productionRelease');
    });

    it('rolls production back, then staging, when the production release stays unhealthy', async () => {
      const runId = await startRun('ci-cd-pipeline', input(UNHEALTHY_COMMIT));
      await decideWhenWaiting(runId, 'productionApproval', { decision: 'approved', by: 'r.mensah' });

      const run = await endedRun(runId, 'compensated');
      expect(run.error).toMatchObject({ stepId: 'verifyProduction', message: expect.stringContaining('HTTP 503') });
      // The switch took its production case; the step that failed in it failed the switch, and that the run.
      expect(statusesOf(run)).toEqual({
        promote: 'failed',
        build: 'completed',
        tests: 'completed',
        securityScan: 'completed',
        deployStaging: 'compensated',
        announce: 'skipped',
        productionApproval: 'completed',
        deployProduction: 'compensated',
        verifyProduction: 'failed',
        smokeTests: 'skipped',
      });
      expect(stepOf(run, 'verifyProduction').attempts).toBe(3);
      expect(stepOf(run, 'deployProduction').compensation).toMatchObject({ status: 'completed', attempts: 1 });

      const rollbacks = callsOf(runId).filter((r) => r.path.endsWith('/rollbacks'));
      expect(rollbacks.map((r) => [r.path, r.headers['idempotency-key']])).toEqual([
        ['/deploy/v1/environments/production/rollbacks', `${runId}:deployProduction.compensate:1`],
        ['/deploy/v1/environments/staging/rollbacks', `${runId}:deployStaging.compensate:1`],
      ]);
      expect(bodyOf(rollbacks[0])).toEqual({
        release: (stepOf(run, 'deployProduction').output as { body: { releaseId: string } }).body.releaseId,
        restore: 'rel-production-stable',
        reason: `pipeline ${runId} did not complete`,
      });
      expect(publishedBy(runId)).toEqual([]);
    });

    it('rolls staging back when the pipeline is cancelled while it waits for the production approval', async () => {
      const runId = await startRun('ci-cd-pipeline', input(sha()));
      await waitForStep(runId, 'productionApproval');
      const cancelled = await platform.api<RunBody>('POST', `/v1/runs/${runId}/cancel`, { reason: 'superseded by a newer commit' });
      expect(cancelled.status).toBe(200);

      const run = await endedRun(runId, 'cancelled');
      expect(statusesOf(run)).toEqual({
        build: 'completed',
        tests: 'completed',
        securityScan: 'completed',
        deployStaging: 'compensated',
        promote: 'cancelled',
        announce: 'cancelled',
        productionApproval: 'cancelled',
        deployProduction: 'cancelled',
        verifyProduction: 'cancelled',
        smokeTests: 'skipped',
      });
      expect(routesOf(runId)).toEqual([
        'POST /security/v1/image-scans',
        'POST /deploy/v1/environments/staging/releases',
        'POST /deploy/v1/environments/staging/rollbacks',
      ]);
    });

    it('rolls staging back when the release manager rejects the production release', async () => {
      const runId = await startRun('ci-cd-pipeline', input(sha()));
      await decideWhenWaiting(runId, 'productionApproval', {
        decision: 'rejected',
        by: 'r.mensah',
        comment: 'checkout conversion dropped on staging',
      });

      const run = await endedRun(runId, 'compensated');
      expect(run.error).toEqual({
        stepId: 'productionApproval',
        message:
          "step 'productionApproval' failed: approval 'productionApproval' rejected by r.mensah: checkout conversion dropped on staging",
      });
      expect(statusesOf(run)).toMatchObject({
        deployStaging: 'compensated',
        productionApproval: 'failed',
        deployProduction: 'skipped',
        smokeTests: 'skipped',
      });
      const rollback = callTo(runId, 'POST', '/deploy/v1/environments/staging/rollbacks')!;
      expect(rollback.headers['idempotency-key']).toBe(`${runId}:deployStaging.compensate:1`);
      expect(bodyOf(rollback)).toMatchObject({ restore: 'rel-staging-stable', reason: `pipeline ${runId} did not complete` });
    });
  });

  describe('supply-chain-rerouting', () => {
    const disruption = (shipmentId: string, delayHours: number, requiredBy = REQUIRED_BY) =>
      cloudEvent(
        'shipment.disrupted',
        {
          shipmentId,
          customerId: 'CUST-NORDWIND',
          currentLocation: 'Duisburg DE',
          destination: 'Rotterdam NL',
          requiredBy,
          cargo: { pallets: 18, weightKg: 9_450 },
          orders: SHIPMENT_ORDERS,
          impact: { reason: 'rail strike on the Emmerich border crossing', location: 'DE-EMM', delayHours },
        },
        { source: 'visibility/project44' },
      );

    it('books the cheapest route that arrives in time and tells the customer of every order on the shipment', async () => {
      const minor = disruption('SHP-40210', 4);
      const major = disruption('SHP-40211', 36);
      await publishEvent(nc, platform.subject('baton.events.shipment.disrupted'), minor);
      await publishEvent(nc, platform.subject('baton.events.shipment.disrupted'), major);
      const runId = await runStartedBy('supply-chain-rerouting', major.id);

      const run = await endedRun(runId, 'completed');
      expectEveryStepCompleted(run);
      // The road option is cheapest but late; rail beats air on cost.
      expect(stepOf(run, 'selectRoute').output).toEqual(ROUTE_OPTIONS[1]);
      expect(run.output).toEqual({ shipmentId: 'SHP-40211', route: ROUTE_OPTIONS[1], bookingRef: 'BK-SHP-40211' });

      expect(routesOf(runId)).toEqual([
        'POST /routing/v2/route-options',
        'POST /carriers/v1/db-cargo/capacity-holds',
        'POST /carriers/v1/db-cargo/bookings',
        'PUT /tms/v1/shipments/SHP-40211/route',
      ]);
      expect(bodyOf(callTo(runId, 'POST', '/routing/v2/route-options')!)).toEqual({
        origin: 'Duisburg DE',
        destination: 'Rotterdam NL',
        pallets: 18,
        weightKg: 9_450,
        avoid: ['DE-EMM'],
      });
      const booking = callTo(runId, 'POST', '/carriers/v1/db-cargo/bookings')!;
      expect(booking.headers['idempotency-key']).toBe(`${runId}:book:1`);
      expect(bodyOf(booking)).toEqual({ holdId: 'hold-SHP-40211', reference: 'SHP-40211', consignee: 'CUST-NORDWIND' });

      // One update per order, each a step of its own; the forEach's output lists them in order of the orders.
      expect(statusesOf(run)).toMatchObject({
        notifyCustomers: 'completed',
        'notifyCustomers[0]': 'completed',
        'notifyCustomers[1]': 'completed',
        'notifyCustomers[2]': 'completed',
      });
      const eventIds = SHIPMENT_ORDERS.map((_, i) => `${runId}:notifyCustomers[${i}]:1`);
      expect(stepOf(run, 'notifyCustomers').output).toEqual(eventIds.map((id) => ({ subject: 'customer-comms.shipment-updates', id })));
      await expect.poll(() => publishedBy(runId).length).toBe(SHIPMENT_ORDERS.length);
      expect(
        publishedBy(runId)
          .map((p) => p.event.id)
          .sort(),
      ).toEqual([...eventIds].sort());
      SHIPMENT_ORDERS.forEach((order, i) =>
        expect(publishedBy(runId).find((p) => p.event.id === eventIds[i])).toMatchObject({
          subject: 'customer-comms.shipment-updates',
          event: {
            type: 'shipment.rerouted',
            source: `baton/supply-chain-rerouting/${runId}`,
            data: {
              customerId: order.customerId,
              orderId: order.orderId,
              pallets: order.pallets,
              shipmentId: 'SHP-40211',
              reason: 'rail strike on the Emmerich border crossing',
              carrier: 'db-cargo',
              newEta: '2031-05-11T06:00:00Z',
              bookingRef: 'BK-SHP-40211',
            },
          },
        }),
      );
      // A four-hour delay is below the trigger's threshold.
      await expectNoRunStartedBy('supply-chain-rerouting', minor.id);
    });

    it('cancels the booking, then releases the capacity, when the TMS refuses the new route', async () => {
      const event = disruption(CONFLICTING_SHIPMENT, 48);
      await publishEvent(nc, platform.subject('baton.events.shipment.disrupted'), event);
      const run = await endedRun(await runStartedBy('supply-chain-rerouting', event.id), 'compensated');

      expect(run.error).toMatchObject({ stepId: 'updateTms', message: expect.stringContaining('HTTP 409') });
      expect(statusesOf(run)).toEqual({
        alternatives: 'completed',
        selectRoute: 'completed',
        holdCapacity: 'compensated',
        book: 'compensated',
        updateTms: 'failed',
        notifyCustomers: 'skipped',
      });
      expect(stepOf(run, 'updateTms').attempts).toBe(1); // 409 is not retryable
      const undo = callsOf(run.id).filter((r) => r.headers['idempotency-key']?.includes('.compensate:'));
      expect(undo.map((r) => [`${r.method} ${r.path}`, r.headers['idempotency-key']])).toEqual([
        [`POST /carriers/v1/db-cargo/bookings/BK-${CONFLICTING_SHIPMENT}/cancellation`, `${run.id}:book.compensate:1`],
        [`DELETE /carriers/v1/db-cargo/capacity-holds/hold-${CONFLICTING_SHIPMENT}`, `${run.id}:holdCapacity.compensate:1`],
      ]);
      expect(bodyOf(undo[0])).toEqual({ reason: `rerouting of ${CONFLICTING_SHIPMENT} abandoned` });
      expect(publishedBy(run.id)).toEqual([]);
    });

    it('fails without booking anything when no alternative arrives in time', async () => {
      const event = disruption('SHP-40214', 24, '2031-05-08T00:00:00Z');
      await publishEvent(nc, platform.subject('baton.events.shipment.disrupted'), event);
      const run = await endedRun(await runStartedBy('supply-chain-rerouting', event.id), 'failed');

      expect(run.error).toMatchObject({
        stepId: 'selectRoute',
        message: expect.stringContaining('no alternative route reaches Rotterdam NL by 2031-05-08T00:00:00Z'),
      });
      expect(statusesOf(run)).toMatchObject({ alternatives: 'completed', selectRoute: 'failed', holdCapacity: 'skipped', book: 'skipped' });
      expect(routesOf(run.id)).toEqual(['POST /routing/v2/route-options']);
    });
  });

  describe('customer-onboarding', () => {
    type ChildRun = RunBody & { parentRunId?: string };
    const applicant = (customerId: string, overrides: Json = {}) => ({
      customerId,
      email: 'anna.schmidt@example.de',
      fullName: 'Anna Schmidt',
      dateOfBirth: '1988-04-12',
      country: 'DE',
      plan: 'growth',
      documentId: 'P-C01X00T47',
      ...overrides,
    });
    /** What the ID-verification vendor's webhook receiver publishes once it has verified a document. */
    const documentVerified = (customerId: string, checkId: string) =>
      cloudEvent(
        'identity.document-verified',
        { checkId, customerId, documentType: 'passport', issuingCountry: 'DE', reportId: `idv-report-${customerId}` },
        { source: 'idv/veriff-webhooks' },
      );
    const publishVerdict = (event: ReturnType<typeof documentVerified>) =>
      publishEvent(nc, platform.subject('baton.events.identity.document-verified'), event);
    const getRun = async (id: string) => (await platform.api<ChildRun>('GET', `/v1/runs/${id}`)).body;

    /** The identity-check run that onboarding's `kyc` step started, once its document check waits for the vendor. */
    async function identityCheckWaiting(runId: string): Promise<string> {
      let childRunId: string | undefined;
      await expect
        .poll(
          async () => {
            childRunId = stepOf(await getRun(runId), 'kyc')?.childRunId;
            return childRunId;
          },
          { timeout: 15_000, interval: 100 },
        )
        .toBeDefined();
      await waitForStep(childRunId!, 'documentCheck');
      return childRunId!;
    }

    /** Waits until the identity check waits for the vendor, then publishes the vendor's verdict on the document. */
    async function documentVerifiedFor(runId: string, customerId: string): Promise<void> {
      await identityCheckWaiting(runId);
      await publishVerdict(documentVerified(customerId, 'kyc-P-C01X00T47'));
    }

    it('verifies the identity in a child workflow that waits for the vendor, opens the account, bills, welcomes, and creates the check-in task after the delay', async () => {
      const followUpAt = new Date(Date.now() + 4_000).toISOString();
      const input = applicant('cus_8f2kq1', { followUpAt });
      const runId = await startRun('customer-onboarding', input, 'signup-cus_8f2kq1');
      // The same signup submitted twice is the same run.
      const again = await platform.api<RunBody>('POST', '/v1/runs', {
        workflow: 'customer-onboarding',
        input,
        idempotencyKey: 'signup-cus_8f2kq1',
      });
      expect([again.status, again.body.id]).toEqual([200, runId]);

      // The identity check is a run of its own, the onboarding run's child, waiting for the vendor's verdict.
      const childRunId = await identityCheckWaiting(runId);
      const checking = await getRun(childRunId);
      expect(checking).toMatchObject({
        workflow: 'identity-check',
        status: 'running',
        parentRunId: runId,
        input: { customerId: 'cus_8f2kq1', fullName: 'Anna Schmidt', dateOfBirth: '1988-04-12', country: 'DE', documentId: 'P-C01X00T47' },
      });
      expect(statusesOf(checking)).toEqual({ screening: 'completed', documentCheck: 'waiting', manualReview: 'pending' });
      const onboarding = await getRun(runId);
      expect(stepOf(onboarding, 'kyc')).toMatchObject({ status: 'running', childRunId });
      expect(statusesOf(onboarding)).toMatchObject({ kyc: 'running', createAccount: 'pending' });
      const children = await platform.api<{ items: RunSummaryBody[] }>('GET', `/v1/runs?parentRunId=${runId}`);
      expect(children.body.items.map((r) => r.id)).toEqual([childRunId]);

      // The vendor's verdict on another customer's document does not end this wait; the one on Anna's does.
      await publishVerdict(documentVerified('cus_0ther1', 'kyc-P-C01X00T47'));
      const verdict = documentVerified('cus_8f2kq1', 'kyc-P-C01X00T47');
      await publishVerdict(verdict);

      const waiting = await waitForStep(runId, 'followUpWait');
      expect(statusesOf(waiting)).toMatchObject({
        kyc: 'completed',
        createAccount: 'completed',
        setupBilling: 'completed',
        followUp: 'pending',
      });
      const run = await endedRun(runId, 'completed');
      expectEveryStepCompleted(run);
      const kyc = { checkId: 'kyc-P-C01X00T47', riskLevel: 'low', verifiedBy: 'document-check', documentReport: 'idv-report-cus_8f2kq1' };
      expect(run.output).toEqual({
        accountId: 'acc_8f2kq1',
        accountNumber: 'ACC-8F2KQ1',
        subscriptionId: 'sub_8f2kq1',
        kyc,
        followUpTask: 'task-acc_8f2kq1',
      });
      // The kyc step completed with the identity check's output.
      expect(stepOf(run, 'kyc')).toMatchObject({ status: 'completed', childRunId, output: kyc });

      const check = await getRun(childRunId);
      expect(check).toMatchObject({ status: 'completed', parentRunId: runId, output: kyc });
      expect(statusesOf(check)).toEqual({ screening: 'completed', documentCheck: 'completed', manualReview: 'skipped' });
      // The wait completed with the vendor's event itself.
      expect(stepOf(check, 'documentCheck').output).toMatchObject({
        id: verdict.id,
        type: 'identity.document-verified',
        source: 'idv/veriff-webhooks',
        data: verdict.data,
      });
      expect(tasks.filter((t) => t.runId === runId)).toEqual([]);
      expect(tasks.filter((t) => t.runId === childRunId)).toEqual([
        {
          taskType: 'kyc-check',
          runId: childRunId,
          idempotencyKey: `${childRunId}:screening:1`,
          input: {
            customerId: 'cus_8f2kq1',
            fullName: 'Anna Schmidt',
            dateOfBirth: '1988-04-12',
            country: 'DE',
            documentId: 'P-C01X00T47',
          },
        },
      ]);
      expect(routesOf(runId)).toEqual(['POST /accounts/v1/accounts', 'POST /billing/v1/subscriptions', 'POST /crm/v1/tasks']);
      expect(bodyOf(callTo(runId, 'POST', '/accounts/v1/accounts')!)).toMatchObject({ kycCheckId: 'kyc-P-C01X00T47', riskLevel: 'low' });

      // The delay lasted until followUpAt (waitedUntil is when its timer fired), and the CRM task is due then.
      const { waitedUntil } = stepOf(run, 'followUpWait').output as { waitedUntil: string };
      expect(Date.parse(waitedUntil)).toBeGreaterThanOrEqual(Date.parse(followUpAt));
      const crm = callTo(runId, 'POST', '/crm/v1/tasks')!;
      expect(bodyOf(crm)).toEqual({
        type: 'onboarding-check-in',
        accountId: 'acc_8f2kq1',
        subject: 'Check in with Anna Schmidt (growth)',
        dueAt: waitedUntil,
      });
      expect(crm.receivedAt).toBeGreaterThanOrEqual(Date.parse(followUpAt));

      await expectPublishedOnce(runId, {
        subject: 'email.outbound',
        event: {
          type: 'email.requested',
          data: {
            template: 'welcome',
            to: 'anna.schmidt@example.de',
            variables: { firstName: 'Anna', accountNumber: 'ACC-8F2KQ1', plan: 'growth' },
          },
        },
      });
    });

    it('hands the document to compliance when the vendor does not verify it in time, and opens the account once they approve', async () => {
      const runId = await startRun(
        'customer-onboarding',
        applicant('cus_m4nrev', { fullName: 'Lena Vogel', followUpAt: new Date().toISOString() }),
      );
      const childRunId = await identityCheckWaiting(runId);

      // No verdict comes: the wait times out, and its catch route starts the manual review.
      const reviewing = await waitForStep(childRunId, 'manualReview');
      expect(statusesOf(reviewing)).toEqual({ screening: 'completed', documentCheck: 'failed', manualReview: 'waiting' });
      expect(stepOf(reviewing, 'documentCheck').error).toMatchObject({
        code: 'timeout',
        message: `no 'identity.document-verified' event matched within ${DOCUMENT_CHECK_TIMEOUT}`,
      });
      // Meanwhile onboarding waits for its child, and no account exists yet.
      expect(statusesOf(await getRun(runId))).toMatchObject({ kyc: 'running', createAccount: 'pending' });
      expect(routesOf(runId)).toEqual([]);

      await decide(childRunId, 'manualReview', { decision: 'approved', by: 'c.okafor', comment: 'passport checked on a video call' });

      const check = await endedRun(childRunId, 'completed');
      const kyc = { checkId: 'kyc-P-C01X00T47', riskLevel: 'low', verifiedBy: 'manual-review', reviewedBy: 'c.okafor' };
      expect(check).toMatchObject({ parentRunId: runId, output: kyc });
      expect(statusesOf(check)).toEqual({ screening: 'completed', documentCheck: 'failed', manualReview: 'completed' });

      const run = await endedRun(runId, 'completed');
      expectEveryStepCompleted(run);
      expect(stepOf(run, 'kyc')).toMatchObject({ childRunId, output: kyc });
      expect(run.output).toMatchObject({ accountId: 'acc_m4nrev', kyc, followUpTask: 'task-acc_m4nrev' });
      expect(routesOf(runId)).toEqual(['POST /accounts/v1/accounts', 'POST /billing/v1/subscriptions', 'POST /crm/v1/tasks']);
    });

    it('refuses an input that does not match the schema, naming every field', async () => {
      const { documentId: _documentId, ...withoutDocument } = applicant('customer-1', { email: 'anna.schmidt', plan: 'platinum' });
      const refused = await platform.api<{ errors: { path: string }[] }>('POST', '/v1/runs', {
        workflow: 'customer-onboarding',
        input: withoutDocument,
      });
      expect(refused.status).toBe(400);
      expect(refused.body.errors.map((e) => e.path).sort()).toEqual(['input.customerId', 'input.documentId', 'input.email', 'input.plan']);
    });

    it('closes the account again when billing cannot be set up', async () => {
      const runId = await startRun('customer-onboarding', applicant('cus_ar77x9', { country: 'AR', fullName: 'Mateo Ruiz' }));
      await documentVerifiedFor(runId, 'cus_ar77x9');
      const run = await endedRun(runId, 'compensated');

      expect(run.error).toMatchObject({ stepId: 'setupBilling', message: expect.stringContaining('HTTP 422') });
      expect(statusesOf(run)).toEqual({
        kyc: 'completed',
        createAccount: 'compensated',
        setupBilling: 'failed',
        welcomeEmail: 'skipped',
        followUpWait: 'skipped',
        followUp: 'skipped',
      });
      expect(stepOf(run, 'setupBilling').attempts).toBe(1);
      expect(routesOf(runId)).toEqual([
        'POST /accounts/v1/accounts',
        'POST /billing/v1/subscriptions',
        'POST /accounts/v1/accounts/acc_ar77x9/closure',
      ]);
      expect(bodyOf(callTo(runId, 'POST', '/accounts/v1/accounts/acc_ar77x9/closure')!)).toEqual({ reason: 'onboarding-aborted', runId });
      expect(publishedBy(runId)).toEqual([]);
    });

    it('stops before opening an account when the identity check fails', async () => {
      const runId = await startRun('customer-onboarding', applicant('cus_x4e2b0', { documentId: 'EXP-20240131' }));
      const run = await endedRun(runId, 'failed');
      expect(run.error).toMatchObject({ stepId: 'kyc', message: expect.stringContaining('document EXP-20240131 has expired') });
      expect(stepOf(run, 'kyc')).toMatchObject({ status: 'failed', attempts: 1, error: { retryable: false, code: 'subWorkflow.failed' } });
      expect(routesOf(runId)).toEqual([]);

      // The identity check itself failed at the screening, before waiting for any document verdict.
      const check = await getRun(stepOf(run, 'kyc').childRunId!);
      expect(check).toMatchObject({ workflow: 'identity-check', status: 'failed', parentRunId: runId });
      expect(statusesOf(check)).toEqual({ screening: 'failed', documentCheck: 'skipped', manualReview: 'skipped' });
      expect(stepOf(check, 'screening')).toMatchObject({ attempts: 1, error: { retryable: false } });
    });

    it('cancels the identity check when the signup is withdrawn while it waits for the vendor', async () => {
      const runId = await startRun('customer-onboarding', applicant('cus_w1thdr'));
      const childRunId = await identityCheckWaiting(runId);
      const cancelled = await platform.api('POST', `/v1/runs/${runId}/cancel`, { reason: 'customer withdrew the signup' });
      expect(cancelled.status).toBe(200);

      await endedRun(runId, 'cancelled');
      const check = await endedRun(childRunId, 'cancelled');
      expect(statusesOf(check)).toMatchObject({ screening: 'completed', documentCheck: 'cancelled' });
      expect(routesOf(runId)).toEqual([]);
    });
  });

  describe('compliance-approval', () => {
    const change = (changeId: string, riskScore: number) => ({
      changeId,
      title: 'Rotate the ledger database encryption keys',
      system: 'general-ledger',
      requestedBy: 'k.osei',
      riskScore,
      dataClassification: 'restricted',
      plannedStart: '2031-06-01T22:00:00Z',
    });
    const webhooksFor = (runId: string) =>
      target.requests.filter((r) => r.path === '/hooks/change-management' && bodyOf(r).runId === runId);
    const signature = (request: RecordedRequest) =>
      `sha256=${createHmac('sha256', CHANGE_HOOK_KEY)
        .update(`${String(request.headers['x-baton-timestamp'])}.${request.body}`)
        .digest('hex')}`;
    /** The first webhook delivered for the run, once there is one. */
    async function firstWebhookFor(runId: string): Promise<RecordedRequest> {
      await expect.poll(() => webhooksFor(runId).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
      return webhooksFor(runId)[0];
    }

    it('collects compliance then manager approval, audits, updates the change and sends a signed webhook', async () => {
      const submitted = cloudEvent('change.submitted', change('CHG-10452', 35), { source: 'itsm/servicenow' });
      await postEvent(submitted);
      const runId = await runStartedBy('compliance-approval', submitted.id);

      await waitForStep(runId, 'complianceReview');
      // The manager cannot sign before compliance has.
      expect(
        (await platform.api('POST', `/v1/runs/${runId}/signals/managerApproval`, { decision: 'approved', by: 'd.alvarez' })).status,
      ).toBe(409);
      await decide(runId, 'complianceReview', { decision: 'approved', by: 's.whitfield', comment: 'key rotation is control SOX-ITGC-04' });
      await decideWhenWaiting(runId, 'managerApproval', { decision: 'approved', by: 'd.alvarez' });

      const run = await endedRun(runId, 'completed');
      expectEveryStepCompleted(run);
      expect(run.output).toEqual({ changeId: 'CHG-10452', policy: 'pe-CHG-10452', approvedBy: ['s.whitfield', 'd.alvarez'] });
      expect(routesOf(runId)).toEqual(['POST /grc/v1/policy-evaluations', 'PATCH /itsm/v1/changes/CHG-10452']);
      expect(bodyOf(callTo(runId, 'PATCH', '/itsm/v1/changes/CHG-10452')!)).toEqual({
        state: 'approved',
        approvers: ['s.whitfield', 'd.alvarez'],
        policyEvaluation: 'pe-CHG-10452',
      });

      await expectPublishedOnce(runId, {
        subject: 'audit.change-approvals',
        event: {
          type: 'change.approved',
          data: {
            changeId: 'CHG-10452',
            requestedBy: 'k.osei',
            policy: { evaluationId: 'pe-CHG-10452', controls: ['SOX-ITGC-04'], residualRisk: 'medium' },
            approvals: [
              { role: 'compliance', by: 's.whitfield', comment: 'key rotation is control SOX-ITGC-04' },
              { role: 'manager', by: 'd.alvarez' },
            ],
          },
        },
      });

      const hook = await firstWebhookFor(runId);
      expect(hook.headers).toMatchObject({
        'x-baton-event': 'run.completed',
        'x-team': 'governance',
        'x-baton-delivery': `${runId}:completed:definition[0]`,
      });
      expect(hook.headers['x-baton-signature']).toBe(signature(hook));
      expect(bodyOf(hook)).toMatchObject({
        type: 'baton.run.completed',
        workflow: 'compliance-approval',
        status: 'completed',
        output: run.output,
      });
    });

    it('fails at the policy check for a high-risk change, before anyone is asked, and says so by webhook', async () => {
      const runId = await startRun('compliance-approval', change('CHG-10453', 85));
      const run = await endedRun(runId, 'failed');

      expect(run.error).toEqual({
        stepId: 'policyCheck',
        message: expect.stringMatching(/^step 'policyCheck' failed: HTTP 422 .*risk score 85 needs the change advisory board/),
      });
      expect(statusesOf(run)).toEqual({
        policyCheck: 'failed',
        complianceReview: 'skipped',
        managerApproval: 'skipped',
        audit: 'skipped',
        markApproved: 'skipped',
      });
      expect(stepOf(run, 'policyCheck').attempts).toBe(1);

      const hook = await firstWebhookFor(runId);
      expect(hook.headers['x-baton-event']).toBe('run.failed');
      expect(hook.headers['x-baton-signature']).toBe(signature(hook));
      expect(bodyOf(hook)).toMatchObject({ type: 'baton.run.failed', status: 'failed', error: run.error });
      expect(publishedBy(runId)).toEqual([]);
    });

    it('fails when the manager rejects after compliance approved', async () => {
      const runId = await startRun('compliance-approval', change('CHG-10454', 40));
      await decideWhenWaiting(runId, 'complianceReview', { decision: 'approved', by: 's.whitfield' });
      await decideWhenWaiting(runId, 'managerApproval', { decision: 'rejected', by: 'd.alvarez', comment: 'not during the quarter close' });

      const run = await endedRun(runId, 'failed');
      expect(run.error?.message).toBe(
        "step 'managerApproval' failed: approval 'managerApproval' rejected by d.alvarez: not during the quarter close",
      );
      expect(stepOf(run, 'managerApproval').output).toEqual({
        decision: 'rejected',
        by: 'd.alvarez',
        comment: 'not during the quarter close',
      });
      expect(routesOf(runId)).toEqual(['POST /grc/v1/policy-evaluations']);
      await expect.poll(() => webhooksFor(runId).map((r) => r.headers['x-baton-event']), { timeout: 15_000 }).toContain('run.failed');
    });
  });

  describe('cloud-resource-allocation', () => {
    const request = (projectId: string, volumes: { name: string; sizeGb: number }[]) =>
      cloudEvent(
        'environment.requested',
        {
          requestId: `REQ-${projectId}`,
          projectId,
          environment: 'prod',
          region: 'eu-west-1',
          instanceType: 'm7g.xlarge',
          volumes,
          costCenter: 'CC-4410',
        },
        { source: 'portal/backstage' },
      );

    it('allocates network, compute and then every requested volume, and announces the environment', async () => {
      const event = request('ledger', [
        { name: 'data', sizeGb: 1024 },
        { name: 'wal', sizeGb: 256 },
      ]);
      await postEvent(event);
      const runId = await runStartedBy('cloud-resource-allocation', event.id);
      const run = await endedRun(runId, 'completed');

      expect(statusesOf(run)).toEqual({
        plan: 'completed',
        network: 'completed',
        compute: 'completed',
        storage: 'completed',
        announce: 'completed',
        'storage[0]': 'completed',
        'storage[1]': 'completed',
      });
      expect(stepOf(run, 'plan').output).toEqual({
        name: 'ledger-prod',
        instances: 3,
        storageClass: 'ssd-replicated',
        cidr: '10.40.0.0/16',
        tags: { project: 'ledger', environment: 'prod', costCenter: 'CC-4410', requestId: 'REQ-ledger' },
      });
      expect(run.output).toEqual({
        networkId: 'vpc-ledger-prod',
        instanceGroupId: 'ig-ledger-prod',
        instances: ['i-ledger-prod-1', 'i-ledger-prod-2', 'i-ledger-prod-3'],
        volumeIds: ['vol-ledger-prod-data', 'vol-ledger-prod-wal'],
      });
      // The forEach's output: one response per volume, in the order they were requested.
      expect((stepOf(run, 'storage').output as { status: number; body: Json }[]).map(({ status, body }) => ({ status, body }))).toEqual([
        { status: 201, body: { volumeId: 'vol-ledger-prod-data', sizeGb: 1024 } },
        { status: 201, body: { volumeId: 'vol-ledger-prod-wal', sizeGb: 256 } },
      ]);
      expect(routesOf(runId)).toEqual([
        'POST /cloud/v1/networks',
        'POST /cloud/v1/instance-groups',
        'POST /cloud/v1/volumes',
        'POST /cloud/v1/volumes',
      ]);
      // One request per volume, each with its own idempotency key, after the instance group exists.
      const volumeRequest = (i: number) => callsOf(runId).find((r) => r.headers['idempotency-key'] === `${runId}:storage[${i}]:1`)!;
      expect(bodyOf(volumeRequest(0))).toEqual({
        name: 'ledger-prod-data',
        region: 'eu-west-1',
        sizeGb: 1024,
        class: 'ssd-replicated',
        attachTo: 'ig-ledger-prod',
        tags: { project: 'ledger', environment: 'prod', costCenter: 'CC-4410', requestId: 'REQ-ledger' },
      });
      expect(bodyOf(volumeRequest(1))).toMatchObject({
        name: 'ledger-prod-wal',
        sizeGb: 256,
        class: 'ssd-replicated',
        attachTo: 'ig-ledger-prod',
      });

      await expectPublishedOnce(runId, {
        subject: 'baton.events.resources.allocated',
        event: {
          id: `${runId}:announce:1`,
          type: 'resources.allocated',
          data: {
            requestId: 'REQ-ledger',
            networkId: 'vpc-ledger-prod',
            instanceGroupId: 'ig-ledger-prod',
            volumeIds: ['vol-ledger-prod-data', 'vol-ledger-prod-wal'],
          },
        },
      });
    });

    it('releases the volume already created, then compute, then the network, when another volume is over quota', async () => {
      const event = request('analytics', [
        { name: 'scratch', sizeGb: 512 },
        { name: 'warehouse', sizeGb: 8192 },
      ]);
      await postEvent(event);
      const run = await endedRun(await runStartedBy('cloud-resource-allocation', event.id), 'compensated');

      expect(run.error).toMatchObject({
        stepId: 'storage',
        message: expect.stringMatching(/^step 'storage' failed: item 1 failed: HTTP 422 .*QuotaExceeded/),
      });
      expect(statusesOf(run)).toEqual({
        plan: 'completed',
        network: 'compensated',
        compute: 'compensated',
        storage: 'failed',
        announce: 'skipped',
        'storage[0]': 'compensated',
        'storage[1]': 'failed',
      });
      expect(stepOf(run, 'storage[1]')).toMatchObject({ attempts: 1, error: { code: 'http.422', retryable: false } });
      expect(stepOf(run, 'storage[0]').compensation).toMatchObject({ status: 'completed', attempts: 1 });
      const calls = callsOf(run.id).map((r) => [`${r.method} ${r.path}`, r.headers['idempotency-key']]);
      expect(calls.slice(0, 2)).toEqual([
        ['POST /cloud/v1/networks', `${run.id}:network:1`],
        ['POST /cloud/v1/instance-groups', `${run.id}:compute:1`],
      ]);
      // Both volumes were requested at once (concurrency 4), so in either order.
      expect(calls.slice(2, 4).sort()).toEqual([
        ['POST /cloud/v1/volumes', `${run.id}:storage[0]:1`],
        ['POST /cloud/v1/volumes', `${run.id}:storage[1]:1`],
      ]);
      // The scratch volume (created before the warehouse one was refused) is released first, with its own id.
      expect(calls.slice(4)).toEqual([
        ['DELETE /cloud/v1/volumes/vol-analytics-prod-scratch', `${run.id}:storage[0].compensate:1`],
        ['DELETE /cloud/v1/instance-groups/ig-analytics-prod', `${run.id}:compute.compensate:1`],
        ['DELETE /cloud/v1/networks/vpc-analytics-prod', `${run.id}:network.compensate:1`],
      ]);
      const saga = (await history(run.id)).filter((h) => ['RunCompensating', 'StepCompensated', 'RunCompensated'].includes(h.type));
      expect(saga.map((h) => `${h.type}${h.stepId ? `:${h.stepId}` : ''}`)).toEqual([
        'RunCompensating',
        'StepCompensated:storage[0]',
        'StepCompensated:compute',
        'StepCompensated:network',
        'RunCompensated',
      ]);
      expect(publishedBy(run.id)).toEqual([]);
    });
  });
});
