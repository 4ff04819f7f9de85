import { dirname, join } from 'node:path';
import {
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type sendUnaryData,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { BatonConfig } from '@baton/config';
import {
  CancelRunDto,
  InsightsQueryDto,
  ListDeliveriesQueryDto,
  ListRunsQueryDto,
  PageQueryDto,
  RpcProblemError,
  SignalDto,
  StartRunDto,
  TERMINAL_RUN_STATUSES,
  validatePlain,
  type Page,
  type Permission,
  type RunView,
} from '@baton/contracts';
import { RpcClient } from '@baton/messaging';
import { activeTraceId, extractTraceContext, inSpan, serviceTracer, SpanKind, type CarrierHeaders } from '@baton/telemetry';
import { AuditLog } from '../audit/audit-log';
import { Authorizer } from '../auth/authorizer';
import { EventPublishing } from '../events/event-publishing';
import { listenHost } from '../http/listen-host';
import { toServiceError } from './grpc-problems';
import { progressKey, toRunMessage } from './run-message';

export const BATON_PROTO = join(dirname(require.resolve('@baton/contracts/package.json')), 'proto', 'baton.proto');
const SERVICE = 'baton.v1.Baton';
const WATCH_POLL_MS = 250;

type Request = Record<string, unknown>;
type Reply = Record<string, unknown>;
interface Operation {
  permission: Permission;
  /** Audited once answered, like an HTTP POST/PUT/DELETE. */
  mutates: boolean;
  handle: (request: Request) => Promise<Reply>;
}

/**
 * The admin API over gRPC (`baton.v1.Baton` in libs/contracts/proto/baton.proto) on
 * `BATON_GRPC_PORT`, with gRPC health checking and server reflection. Each operation goes to the
 * same service calls as its HTTP route, with the same validation, permission table, audit log and
 * problems (as gRPC status codes with the problem in a trailer).
 */
@Injectable()
export class GrpcApi implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(GrpcApi.name);
  private readonly tracer = serviceTracer('gateway');
  private readonly server = new Server();
  private readonly packageDefinition: PackageDefinition = loadSync(BATON_PROTO, { keepCase: false, longs: String, defaults: true });

  constructor(
    private readonly rpc: RpcClient,
    private readonly events: EventPublishing,
    private readonly authorizer: Authorizer,
    private readonly audit: AuditLog,
    private readonly config: BatonConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const service = this.packageDefinition[SERVICE] as ServiceDefinition;
    this.server.addService(service, this.implementation());
    new HealthImplementation({ '': 'SERVING', [SERVICE]: 'SERVING' }).addToServer(this.server);
    new ReflectionService(this.packageDefinition).addToServer(this.server);
    const host = listenHost(this.config, 'gRPC API');
    const address = host.includes(':') ? `[${host}]:${this.config.BATON_GRPC_PORT}` : `${host}:${this.config.BATON_GRPC_PORT}`;
    const port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(address, ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    this.logger.log(`gRPC API (${SERVICE}, health, reflection) listening on ${host}:${port}`);
  }

  beforeApplicationShutdown(): Promise<void> {
    return new Promise((resolve) => this.server.tryShutdown(() => resolve()));
  }

  private implementation(): UntypedServiceImplementation {
    const unary = Object.fromEntries(Object.entries(this.operations()).map(([name, operation]) => [name, this.unary(name, operation)]));
    return { ...unary, WatchRun: (call: ServerWritableStream<Request, Reply>) => void this.watchRun(call) };
  }

  private unary(name: string, operation: Operation) {
    return (call: ServerUnaryCall<Request, Reply>, callback: sendUnaryData<Reply>) => {
      const described = { method: 'GRPC', path: `/${SERVICE}/${name}` };
      const parent = extractTraceContext(carrierOf(call));
      void inSpan(this.tracer, described.path, { kind: SpanKind.SERVER, parent, attributes: { 'rpc.system': 'grpc' } }, async () => {
        try {
          const caller = await this.authorizer.authorize(authorizationOf(call), operation.permission, described);
          const reply = await operation.handle(call.request);
          if (operation.mutates) await this.authorizer.recordAllowed(caller, described, 200, activeTraceId());
          callback(null, reply);
        } catch (error) {
          if (!(error instanceof RpcProblemError)) this.logger.warn(`${described.path}: ${(error as Error).message}`);
          callback(toServiceError(error));
        }
      });
    };
  }

  /** Every unary operation of the service, by its name in the proto. */
  private operations(): Record<string, Operation> {
    const rpc = this.rpc;
    const op = (permission: Permission, mutates: boolean, handle: Operation['handle']): Operation => ({ permission, mutates, handle });
    const runReply = async (run: Promise<RunView>) => toRunMessage(await run);
    return {
      RegisterDefinition: op('definitions.register', true, async (r) => {
        const { created, definition } = await rpc.call('baton.rpc.registry.register', definitionSource(r));
        return { created, name: definition.name, version: definition.version, definitionJson: JSON.stringify(definition) };
      }),
      ValidateDefinition: op('definitions.validate', false, async (r) => rpc.call('baton.rpc.registry.validate', definitionSource(r))),
      ListDefinitions: op('definitions.read', false, async (r) => jsonPage(await rpc.call('baton.rpc.registry.list', page(r)))),
      GetDefinition: op('definitions.read', false, async (r) =>
        jsonValue(await rpc.call('baton.rpc.registry.get', { name: String(r.name), version: positive(r.version) })),
      ),
      StartRun: op('runs.start', true, async (r) => {
        const body = checked(StartRunDto, {
          workflow: r.workflow,
          version: positive(r.version),
          input: parsedJson(r.inputJson, 'inputJson'),
          idempotencyKey: r.idempotencyKey || undefined,
        });
        const { created, run } = await rpc.call('baton.rpc.coordinator.start-run', { ...body, input: body.input ?? {} });
        return { created, run: toRunMessage(run) };
      }),
      GetRun: op('runs.read', false, (r) => runReply(rpc.call('baton.rpc.coordinator.get-run', { id: String(r.id) }))),
      ListRuns: op('runs.read', false, async (r) => {
        const filter = checked(ListRunsQueryDto, {
          workflow: r.workflow || undefined,
          status: r.status || undefined,
          parentRunId: r.parentRunId || undefined,
          createdAfter: r.createdAfter || undefined,
          createdBefore: r.createdBefore || undefined,
          inputContains: r.inputContains || undefined,
          limit: positive(r.limit),
          cursor: r.cursor || undefined,
        });
        const listed = await rpc.call('baton.rpc.coordinator.list-runs', { ...filter });
        return { items: listed.items.map(toRunMessage), nextCursor: listed.nextCursor ?? '' };
      }),
      GetRunHistory: op('runs.read', false, async (r) =>
        jsonPage(await rpc.call('baton.rpc.coordinator.run-history', { id: String(r.id), ...page(r) })),
      ),
      CancelRun: op('runs.operate', true, (r) => {
        const { reason } = checked(CancelRunDto, { reason: r.reason || undefined });
        return runReply(rpc.call('baton.rpc.coordinator.operate-run', { id: String(r.id), operation: 'cancel', reason }));
      }),
      RetryRun: op('runs.operate', true, (r) =>
        runReply(rpc.call('baton.rpc.coordinator.operate-run', { id: String(r.id), operation: 'retry' })),
      ),
      PauseRun: op('runs.operate', true, (r) =>
        runReply(rpc.call('baton.rpc.coordinator.operate-run', { id: String(r.id), operation: 'pause' })),
      ),
      ResumeRun: op('runs.operate', true, (r) =>
        runReply(rpc.call('baton.rpc.coordinator.operate-run', { id: String(r.id), operation: 'resume' })),
      ),
      SignalRun: op('runs.signal', true, (r) => {
        const payload = checked(SignalDto, { decision: r.decision, by: r.by || undefined, comment: r.comment || undefined });
        return runReply(rpc.call('baton.rpc.coordinator.signal-run', { id: String(r.id), name: String(r.name), payload }));
      }),
      PublishEvent: op('events.publish', true, async (r) => {
        const published = await this.events.publish(parsedJson(r.json, 'json'));
        return { id: published.id, subject: `baton.events.${published.type}` };
      }),
      ListRejectedEvents: op('events.read-rejected', false, async (r) =>
        jsonPage(await rpc.call('baton.rpc.scheduler.rejected-events', page(r))),
      ),
      ListSchedules: op('schedules.read', false, async (r) => {
        const { items } = await rpc.call('baton.rpc.scheduler.list-schedules', { workflow: (r.workflow as string) || undefined });
        return { itemsJson: items.map((item) => JSON.stringify(item)), nextCursor: '' };
      }),
      PauseSchedule: op('schedules.operate', true, async (r) =>
        jsonValue(await rpc.call('baton.rpc.scheduler.operate-schedule', { id: String(r.id), operation: 'pause' })),
      ),
      ResumeSchedule: op('schedules.operate', true, async (r) =>
        jsonValue(await rpc.call('baton.rpc.scheduler.operate-schedule', { id: String(r.id), operation: 'resume' })),
      ),
      TriggerSchedule: op('schedules.operate', true, async (r) => ({
        runIds: (await rpc.call('baton.rpc.scheduler.fire-schedule', { id: String(r.id), mode: 'trigger' })).runIds,
      })),
      BackfillSchedule: op('schedules.operate', true, async (r) => ({
        runIds: (
          await rpc.call('baton.rpc.scheduler.fire-schedule', {
            id: String(r.id),
            mode: 'backfill',
            from: String(r.from),
            to: String(r.to),
          })
        ).runIds,
      })),
      GetInsights: op('insights.read', false, async (r) => {
        const { window } = checked(InsightsQueryDto, { window: (r.window as string) || '24h' });
        return jsonValue(await rpc.call('baton.rpc.coordinator.insights', { workflow: String(r.workflow), window }));
      }),
      ListDeliveries: op('notifications.read', false, async (r) => {
        const filter = checked(ListDeliveriesQueryDto, {
          runId: r.runId || undefined,
          workflow: r.workflow || undefined,
          status: r.status || undefined,
          limit: positive(r.limit),
          cursor: r.cursor || undefined,
        });
        return jsonPage(await rpc.call('baton.rpc.notifier.list-deliveries', { ...filter }));
      }),
      ListNotificationRules: op('notifications.read', false, async () => {
        const { items } = await rpc.call('baton.rpc.notifier.list-rules', {});
        return { itemsJson: items.map((item) => JSON.stringify(item)), nextCursor: '' };
      }),
      PutNotificationRule: op('notifications.manage-rules', true, async (r) => {
        const rule = parsedJson(r.ruleJson, 'ruleJson');
        const { created, rule: saved } = await rpc.call('baton.rpc.notifier.put-rule', { name: String(r.name), rule });
        return { created, ruleJson: JSON.stringify(saved) };
      }),
      DeleteNotificationRule: op('notifications.manage-rules', true, async (r) => {
        await rpc.call('baton.rpc.notifier.delete-rule', { name: String(r.name) });
        return {};
      }),
      ListAudit: op('audit.read', false, async (r) => {
        const { limit, cursor } = page(r);
        return jsonPage(await this.audit.page(limit, cursor));
      }),
    };
  }

  /** The run now, then every change of its status or steps, until it ends or the client goes. */
  private async watchRun(call: ServerWritableStream<Request, Reply>): Promise<void> {
    const described = { method: 'GRPC', path: `/${SERVICE}/WatchRun` };
    try {
      await this.authorizer.authorize(authorizationOf(call), 'runs.read', described);
      let last = '';
      while (!call.cancelled) {
        const run = await this.rpc.call('baton.rpc.coordinator.get-run', { id: String(call.request.id) });
        const key = progressKey(run);
        if (key !== last) {
          call.write(toRunMessage(run));
          last = key;
        }
        if ((TERMINAL_RUN_STATUSES as readonly string[]).includes(run.status)) break;
        await new Promise((resolve) => setTimeout(resolve, WATCH_POLL_MS));
      }
      call.end();
    } catch (error) {
      call.destroy(Object.assign(new Error(), toServiceError(error)));
    }
  }
}

function authorizationOf(call: ServerUnaryCall<Request, Reply> | ServerWritableStream<Request, Reply>): string | undefined {
  const [value] = call.metadata.get('authorization');
  return typeof value === 'string' ? value : undefined;
}

function carrierOf(call: ServerUnaryCall<Request, Reply>): CarrierHeaders {
  const carrier: CarrierHeaders = {};
  for (const name of ['traceparent', 'tracestate']) {
    const [value] = call.metadata.get(name);
    if (typeof value === 'string') carrier[name] = value;
  }
  return carrier;
}

/** The DTO's class-validator rules, as for the HTTP body; 400 with the paths otherwise. */
function checked<T extends object>(dto: new () => T, value: object): T {
  const validated = validatePlain(dto, JSON.parse(JSON.stringify(value)) as object);
  if (!validated.ok) throw RpcProblemError.invalid('the request is not valid', validated.errors);
  return validated.value;
}

function parsedJson(text: unknown, field: string): unknown {
  if (text === undefined || text === '') return undefined;
  try {
    return JSON.parse(String(text));
  } catch (error) {
    throw RpcProblemError.invalid(`${field} is not valid JSON`, [{ path: field, message: (error as Error).message }]);
  }
}

function definitionSource(r: Request): { text: string; format: 'yaml' | 'json' } {
  const format = r.format === 'json' ? 'json' : r.format === 'yaml' || r.format === '' ? 'yaml' : undefined;
  if (format === undefined)
    throw RpcProblemError.invalid('format must be yaml or json', [{ path: 'format', message: 'expected yaml or json' }]);
  if (typeof r.text !== 'string' || r.text.trim() === '') {
    throw RpcProblemError.invalid('the request has no definition', [{ path: 'text', message: 'the definition document is required' }]);
  }
  return { text: r.text, format };
}

/** Paging as for HTTP lists (PageQueryDto): 0 means the default limit. */
function page(r: Request): { limit: number; cursor?: string } {
  const { limit, cursor } = checked(PageQueryDto, { limit: positive(r.limit), cursor: (r.cursor as string) || undefined });
  return { limit, cursor };
}

const positive = (value: unknown) => (typeof value === 'number' && value > 0 ? value : undefined);
const jsonValue = (value: unknown) => ({ json: JSON.stringify(value) });
const jsonPage = <T>(listed: Page<T>) => ({
  itemsJson: listed.items.map((item) => JSON.stringify(item)),
  nextCursor: listed.nextCursor ?? '',
});
