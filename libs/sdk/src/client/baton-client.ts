import type {
  CloudEvent,
  DefinitionSummary,
  DefinitionView,
  HistoryEntryView,
  Page,
  RunStatus,
  RunSummary,
  RunView,
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
    const text = await response.text();
    if (!response.ok) throw BatonApiError.fromResponse(response.status, response.statusText, text);
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }
}

function queryString(query: Record<string, string | number | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}
