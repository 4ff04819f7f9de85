import type { FieldError } from '@baton/dsl';
import type {
  DefinitionSummary,
  DefinitionView,
  DeliveryStatus,
  DeliveryView,
  GlobalNotificationRuleView,
  HistoryEntryView,
  Page,
  RejectedEventView,
  RunSummary,
  RunView,
  ScheduleView,
} from './views';
import type { WorkflowInsightsView } from './insights';
import type { RunStatus } from './statuses';

/**
 * Request/reply between the gateway (and other services) and the service that owns the data.
 * Each pattern is a NATS subject; the reply is always an {@link RpcReply}.
 */
export interface RpcCatalogue {
  /** Every service answers on its own health subject, e.g. `baton.rpc.coordinator.health`. */
  [health: `baton.rpc.${string}.health`]: {
    request: Record<string, never>;
    reply: HealthReport;
  };
  'baton.rpc.registry.register': {
    request: { document: unknown } | { text: string; format: 'yaml' | 'json' };
    reply: { created: boolean; definition: DefinitionView };
  };
  'baton.rpc.registry.validate': {
    request: { document: unknown } | { text: string; format: 'yaml' | 'json' };
    reply: { valid: true };
  };
  'baton.rpc.registry.list': {
    request: { limit: number; cursor?: string };
    reply: Page<DefinitionSummary>;
  };
  'baton.rpc.registry.get': {
    request: { name: string; version?: number };
    reply: DefinitionView;
  };
  'baton.rpc.registry.triggers-for-event': {
    request: { eventType: string };
    reply: { definitions: DefinitionView[] };
  };
  /** The latest version of every workflow that has a schedule trigger. */
  'baton.rpc.registry.scheduled': {
    request: Record<string, never>;
    reply: { definitions: DefinitionView[] };
  };
  'baton.rpc.coordinator.start-run': {
    request: { workflow: string; version?: number; input: unknown; idempotencyKey?: string };
    reply: { created: boolean; run: RunView };
  };
  'baton.rpc.coordinator.get-run': {
    request: { id: string };
    reply: RunView;
  };
  'baton.rpc.coordinator.operate-run': {
    request: { id: string; operation: RunOperation; reason?: string };
    reply: RunView;
  };
  'baton.rpc.coordinator.signal-run': {
    request: { id: string; name: string; payload: SignalBody };
    reply: RunView;
  };
  'baton.rpc.coordinator.list-runs': {
    request: {
      workflow?: string;
      status?: RunStatus;
      parentRunId?: string;
      createdAfter?: string;
      createdBefore?: string;
      inputContains?: string;
      limit: number;
      cursor?: string;
    };
    reply: Page<RunSummary>;
  };
  'baton.rpc.coordinator.run-history': {
    request: { id: string; limit: number; cursor?: string };
    reply: Page<HistoryEntryView>;
  };
  /** `window` is a duration such as `24h`, ending now. */
  'baton.rpc.coordinator.insights': {
    request: { workflow: string; window: string };
    reply: WorkflowInsightsView;
  };
  'baton.rpc.scheduler.list-schedules': {
    request: { workflow?: string };
    reply: { items: ScheduleView[] };
  };
  'baton.rpc.scheduler.operate-schedule': {
    request: { id: string; operation: 'pause' | 'resume' };
    reply: ScheduleView;
  };
  /** Fire now (`trigger`), or once per fire time of the pattern in `[from, to]` (`backfill`). */
  'baton.rpc.scheduler.fire-schedule': {
    request: { id: string } & ({ mode: 'trigger' } | { mode: 'backfill'; from: string; to: string });
    reply: { runIds: string[] };
  };
  /** Create or replace a global notification rule; the body is checked like a definition's rule. */
  'baton.rpc.notifier.put-rule': {
    request: { name: string; rule: unknown };
    reply: { created: boolean; rule: GlobalNotificationRuleView };
  };
  'baton.rpc.notifier.list-rules': {
    request: Record<string, never>;
    reply: { items: GlobalNotificationRuleView[] };
  };
  'baton.rpc.notifier.delete-rule': {
    request: { name: string };
    reply: { deleted: true };
  };
  'baton.rpc.notifier.list-deliveries': {
    request: { runId?: string; workflow?: string; status?: DeliveryStatus; limit: number; cursor?: string };
    reply: Page<DeliveryView>;
  };
  'baton.rpc.scheduler.rejected-events': {
    request: { limit: number; cursor?: string };
    reply: Page<RejectedEventView>;
  };
}

export type RpcPattern = keyof RpcCatalogue;
export type RpcRequest<P extends RpcPattern> = RpcCatalogue[P]['request'];
export type RpcReplyValue<P extends RpcPattern> = RpcCatalogue[P]['reply'];

/** `POST /v1/runs/{id}/<operation>` (DESIGN.md §4). */
export type RunOperation = 'cancel' | 'retry' | 'pause' | 'resume';

/** `POST /v1/runs/{id}/signals/{name}` (DESIGN.md §4): for an approval, the decision. */
export interface SignalBody {
  decision: 'approved' | 'rejected';
  by?: string;
  comment?: string;
}

export interface HealthReport {
  service: string;
  /** Each dependency the service checked, and whether it answered. */
  checks: Record<string, { up: boolean; detail?: string }>;
}

/** A failure the caller should turn into an RFC 9457 problem. */
export interface RpcProblem {
  status: 400 | 401 | 403 | 404 | 409 | 413 | 422 | 500 | 503;
  title: string;
  detail?: string;
  errors?: FieldError[];
}

export type RpcReply<T> = { ok: true; value: T } | { ok: false; problem: RpcProblem };

/** Thrown by a request handler to answer with a problem instead of a value. */
export class RpcProblemError extends Error {
  constructor(readonly problem: RpcProblem) {
    super(problem.detail ?? problem.title);
    this.name = 'RpcProblemError';
  }

  static notFound(detail: string): RpcProblemError {
    return new RpcProblemError({ status: 404, title: 'Not Found', detail });
  }

  static conflict(detail: string): RpcProblemError {
    return new RpcProblemError({ status: 409, title: 'Conflict', detail });
  }

  static invalid(detail: string, errors: FieldError[]): RpcProblemError {
    return new RpcProblemError({ status: 400, title: 'Bad Request', detail, errors });
  }
}
