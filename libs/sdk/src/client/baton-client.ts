import type {
  AuditRecord,
  CloudEvent,
  DefinitionSummary,
  DefinitionView,
  DeliveryStatus,
  DeliveryView,
  GlobalNotificationRuleView,
  HistoryEntryView,
  Page,
  RejectedEventView,
  RunStatus,
  RunSummary,
  RunView,
  ScheduleView,
  SignalBody,
  WorkflowInsightsView,
} from '@baton/contracts';
import { BatonApiError } from './baton-api-error';

export interface BatonClientOptions {
  /** Where the admin API listens, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>` when the platform sets `BATON_API_KEYS`. */
  apiKey?: string;
  /** Per-request time limit (default 30 s). */
  timeoutMs?: number;
  /** Another `fetch` implementation (default: the global one). */
  fetch?: typeof fetch;
}

export interface PageRequest {
  limit?: number;
  cursor?: string;
}

export interface RunFilter extends PageRequest {
  workflow?: string;
  status?: RunStatus;
}

export interface DeliveryFilter extends PageRequest {
  runId?: string;
  workflow?: string;
  status?: DeliveryStatus;
}

/** A global notification rule as sent to `PUT /v1/notifications/rules/{name}`: `{on, workflows?, webhook|chat|email|nats}`. */
export type NotificationRuleInput = Omit<GlobalNotificationRuleView, 'name' | 'createdAt' | 'updatedAt'>;

/** `created` is false when the rule replaced one of the same name. */
export type SavedNotificationRule = GlobalNotificationRuleView & { created: boolean };

/** The runs a schedule `trigger` or `backfill` started (created asynchronously: `getRun` may answer 404 for a moment). */
export interface ScheduleFire {
  runIds: string[];
}

/** `GET /health/ready`: `ready` when NATS and every service answered; `details` per check. */
export interface Readiness {
  ready: boolean;
  status: number;
  details: Record<string, { status: string; [detail: string]: unknown }>;
}

export interface StartRunRequest {
  workflow: string;
  /** The latest version when absent. */
  version?: number;
  input?: unknown;
  /** A repeated key returns the run the first request started. */
  idempotencyKey?: string;
}

/** `created` is false when the definition was identical to the latest version (no new version). */
export type RegisteredDefinition = DefinitionView & { created: boolean };

/** `created` is false when the idempotency key had started this run before. */
export type StartedRun = RunView & { created: boolean };

export interface PublishedEvent {
  id: string;
  source: string;
  type: string;
  /** True when JetStream had already stored an event with this `source` and `id`. */
  duplicate: boolean;
}

export interface WaitForRunOptions {
  /** Give up after this long (default 60 s). */
  timeoutMs?: number;
  /** Statuses that end the wait (default: the terminal ones). */
  statuses?: readonly RunStatus[];
  /** Between two reads of the run (default 250 ms). */
  intervalMs?: number;
}

/** The run statuses after which nothing more happens (DESIGN.md §3). */
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'compensated', 'cancelled', 'timed_out'];

/** {@link BatonClient.waitForRun} ran out of time; `lastRun` is the last state it read. */
export class RunWaitTimeoutError extends Error {
  override name = 'RunWaitTimeoutError';

  constructor(
    readonly runId: string,
    readonly lastRun: RunView | undefined,
    timeoutMs: number,
    statuses: readonly RunStatus[],
  ) {
    super(`run ${runId} did not reach ${statuses.join('|')} within ${timeoutMs} ms (last status: ${lastRun?.status ?? 'unknown'})`);
  }
}

interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
}

const segment = encodeURIComponent;

/**
 * A typed client of the admin API (DESIGN.md §4). Every call resolves with the API's JSON answer
 * and throws {@link BatonApiError} (an RFC 9457 problem) for any status outside 2xx.
 */
export class BatonClient {
  private readonly baseUrl: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: BatonClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** Registers a definition given as an object (sent as JSON) or as YAML / JSON text. */
  async registerDefinition(definition: object | string): Promise<RegisteredDefinition> {
    return (await this.request<RegisteredDefinition>('POST', '/v1/definitions', { body: definition })).body;
  }

  /** Resolves when the definition is valid; throws a 400 {@link BatonApiError} listing every error otherwise. */
  async validateDefinition(definition: object | string): Promise<{ valid: true }> {
    return (await this.request<{ valid: true }>('POST', '/v1/definitions/validate', { body: definition })).body;
  }

  /** The latest version, or the given one. */
  async getDefinition(name: string, version?: number): Promise<DefinitionView> {
    const path = `/v1/definitions/${encodeURIComponent(name)}${version === undefined ? '' : `/versions/${version}`}`;
    return (await this.request<DefinitionView>('GET', path)).body;
  }

  async listDefinitions(page: PageRequest = {}): Promise<Page<DefinitionSummary>> {
    return (await this.request<Page<DefinitionSummary>>('GET', '/v1/definitions', { query: { ...page } })).body;
  }

  async startRun(request: StartRunRequest): Promise<StartedRun> {
    const { status, body } = await this.request<RunView>('POST', '/v1/runs', { body: request });
    return { ...body, created: status === 201 };
  }

  async getRun(id: string): Promise<RunView> {
    return (await this.request<RunView>('GET', `/v1/runs/${encodeURIComponent(id)}`)).body;
  }

  /** Runs, newest first. */
  async listRuns(filter: RunFilter = {}): Promise<Page<RunSummary>> {
    return (await this.request<Page<RunSummary>>('GET', '/v1/runs', { query: { ...filter } })).body;
  }

  /** Every transition of a run, oldest first. */
  async runHistory(id: string, page: PageRequest = {}): Promise<Page<HistoryEntryView>> {
    return (await this.request<Page<HistoryEntryView>>('GET', `/v1/runs/${encodeURIComponent(id)}/history`, { query: { ...page } })).body;
  }

  /** Publishes a CloudEvent to `baton.events.<type>`; resolves once JetStream has stored it. */
  async publishEvent(event: CloudEvent): Promise<PublishedEvent> {
    return (await this.request<PublishedEvent>('POST', '/v1/events', { body: event })).body;
  }

  /** Cancels a run (compensating first when its definition has `compensateOnCancel`); 409 once it has ended. */
  async cancelRun(id: string, reason?: string): Promise<RunView> {
    return (await this.request<RunView>('POST', `/v1/runs/${segment(id)}/cancel`, { body: reason === undefined ? {} : { reason } })).body;
  }

  /** Resumes a failed run from its failed steps, under the same id; 409 unless it failed without compensating. */
  async retryRun(id: string): Promise<RunView> {
    return (await this.request<RunView>('POST', `/v1/runs/${segment(id)}/retry`)).body;
  }

  /** No new step starts until {@link resumeRun}; 409 unless running. */
  async pauseRun(id: string): Promise<RunView> {
    return (await this.request<RunView>('POST', `/v1/runs/${segment(id)}/pause`)).body;
  }

  /** 409 unless paused. */
  async resumeRun(id: string): Promise<RunView> {
    return (await this.request<RunView>('POST', `/v1/runs/${segment(id)}/resume`)).body;
  }

  /** The decision for the approval step `name`; 409 when nothing waits for it. */
  async signalRun(id: string, name: string, signal: SignalBody): Promise<RunView> {
    return (await this.request<RunView>('POST', `/v1/runs/${segment(id)}/signals/${segment(name)}`, { body: signal })).body;
  }

  /** Every cron schedule (not paginated), or those of one workflow. */
  async listSchedules(workflow?: string): Promise<{ items: ScheduleView[] }> {
    return (await this.request<{ items: ScheduleView[] }>('GET', '/v1/schedules', { query: { workflow } })).body;
  }

  async pauseSchedule(id: string): Promise<ScheduleView> {
    return (await this.request<ScheduleView>('POST', `/v1/schedules/${segment(id)}/pause`)).body;
  }

  /** Plans the next fire from now: fires due while paused are not made up. */
  async resumeSchedule(id: string): Promise<ScheduleView> {
    return (await this.request<ScheduleView>('POST', `/v1/schedules/${segment(id)}/resume`)).body;
  }

  /** One run now, whatever the overlap policy. */
  async triggerSchedule(id: string): Promise<ScheduleFire> {
    return (await this.request<ScheduleFire>('POST', `/v1/schedules/${segment(id)}/trigger`)).body;
  }

  /** One run per fire time in `[from, to]` (at most 1000); a time that already ran gets no second run. */
  async backfillSchedule(id: string, from: string | Date, to: string | Date): Promise<ScheduleFire> {
    const body = { from: instant(from), to: instant(to) };
    return (await this.request<ScheduleFire>('POST', `/v1/schedules/${segment(id)}/backfill`, { body })).body;
  }

  /** Rates, durations, bottleneck, hot spots and predictions over `window` (e.g. `30m`, `24h`, `7d`; default 24h). */
  async getInsights(workflow: string, window?: string): Promise<WorkflowInsightsView> {
    return (await this.request<WorkflowInsightsView>('GET', `/v1/insights/${segment(workflow)}`, { query: { window } })).body;
  }

  /** Notification deliveries, newest first. */
  async listDeliveries(filter: DeliveryFilter = {}): Promise<Page<DeliveryView>> {
    return (await this.request<Page<DeliveryView>>('GET', '/v1/notifications/deliveries', { query: { ...filter } })).body;
  }

  /** Every global notification rule (not paginated). */
  async listNotificationRules(): Promise<{ items: GlobalNotificationRuleView[] }> {
    return (await this.request<{ items: GlobalNotificationRuleView[] }>('GET', '/v1/notifications/rules')).body;
  }

  /** Creates or replaces the global rule `name`. */
  async putNotificationRule(name: string, rule: NotificationRuleInput): Promise<SavedNotificationRule> {
    const { status, body } = await this.request<GlobalNotificationRuleView>('PUT', `/v1/notifications/rules/${segment(name)}`, {
      body: rule,
    });
    return { ...body, created: status === 201 };
  }

  async deleteNotificationRule(name: string): Promise<void> {
    await this.request<undefined>('DELETE', `/v1/notifications/rules/${segment(name)}`);
  }

  /** Events that started nothing because they were malformed, newest first. */
  async listRejectedEvents(page: PageRequest = {}): Promise<Page<RejectedEventView>> {
    return (await this.request<Page<RejectedEventView>>('GET', '/v1/events/rejected', { query: { ...page } })).body;
  }

  /** Every mutating call and every denial, newest first (admin). */
  async listAudit(page: PageRequest = {}): Promise<Page<AuditRecord>> {
    return (await this.request<Page<AuditRecord>>('GET', '/v1/audit', { query: { ...page } })).body;
  }

  /** `GET /health/ready`, which needs no key: resolves for 200 and 503 alike; rejects when nothing answers. */
  async readiness(): Promise<Readiness> {
    const { status, statusText, text } = await this.send('GET', '/health/ready');
    if (status !== 200 && status !== 503) throw BatonApiError.fromResponse(status, statusText, text);
    const body = (parseJson(text) ?? {}) as { details?: Readiness['details'] };
    return { ready: status === 200, status, details: body.details ?? {} };
  }

  /** Reads the run until it reaches one of `statuses` (by default, until it ends). */
  async waitForRun(id: string, options: WaitForRunOptions = {}): Promise<RunView> {
    const { timeoutMs = 60_000, statuses = TERMINAL_RUN_STATUSES, intervalMs = 250 } = options;
    const deadline = Date.now() + timeoutMs;
    let last: RunView | undefined;
    for (;;) {
      last = await this.getRun(id);
      if (statuses.includes(last.status)) return last;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new RunWaitTimeoutError(id, last, timeoutMs, statuses);
      await new Promise((done) => setTimeout(done, Math.min(intervalMs, remaining)));
    }
  }

  private async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<{ status: number; body: T }> {
    const { status, statusText, text } = await this.send(method, path, options);
    if (status < 200 || status > 299) throw BatonApiError.fromResponse(status, statusText, text);
    return { status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  private async send(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<{ status: number; statusText: string; text: string }> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    if (this.options.apiKey) headers['authorization'] = `Bearer ${this.options.apiKey}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      // Text is sent as YAML, which the registry reads for JSON text too.
      const isText = typeof options.body === 'string';
      headers['content-type'] = isText ? 'application/yaml' : 'application/json';
      body = isText ? (options.body as string) : JSON.stringify(options.body);
    }
    const response = await this.fetch(`${this.baseUrl}${path}${queryString(options.query)}`, {
      method,
      headers,
      body,
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
    });
    return { status: response.status, statusText: response.statusText, text: await response.text() };
  }
}

function queryString(query: Record<string, string | number | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

function instant(value: string | Date): string {
  return typeof value === 'string' ? value : value.toISOString();
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
