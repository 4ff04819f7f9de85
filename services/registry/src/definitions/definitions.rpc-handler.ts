import { Injectable } from '@nestjs/common';
import { CursorShapes, decodeCursor, encodeCursor, RpcProblemError, type RpcReplyValue, type RpcRequest } from '@baton/contracts';
import { RpcHandler } from '@baton/messaging';
import { DefinitionsRepository } from './definitions.repository';
import { toDefinitionSummary, toDefinitionView } from './definition.view';
import { RegisterDefinitionUseCase } from './register-definition.use-case';

type Req<P extends Parameters<typeof RpcHandler>[0]> = RpcRequest<P>;
type Res<P extends Parameters<typeof RpcHandler>[0]> = Promise<RpcReplyValue<P>>;

/** The registry's request/reply surface; each method delegates to the use case or repository. */
@Injectable()
export class DefinitionsRpcHandler {
  constructor(
    private readonly register: RegisterDefinitionUseCase,
    private readonly definitions: DefinitionsRepository,
  ) {}

  @RpcHandler('baton.rpc.registry.register')
  registerDefinition(request: Req<'baton.rpc.registry.register'>): Res<'baton.rpc.registry.register'> {
    return this.register.execute(request);
  }

  @RpcHandler('baton.rpc.registry.validate')
  async validateDefinition(request: Req<'baton.rpc.registry.validate'>): Res<'baton.rpc.registry.validate'> {
    this.register.validate(request);
    return { valid: true };
  }

  @RpcHandler('baton.rpc.registry.get')
  async getDefinition(request: Req<'baton.rpc.registry.get'>): Res<'baton.rpc.registry.get'> {
    const entity = await this.definitions.find(request.name, request.version);
    if (!entity) {
      const which = request.version === undefined ? `'${request.name}'` : `'${request.name}' version ${request.version}`;
      throw RpcProblemError.notFound(`no workflow definition ${which}`);
    }
    return toDefinitionView(entity);
  }

  @RpcHandler('baton.rpc.registry.list')
  async listDefinitions(request: Req<'baton.rpc.registry.list'>): Res<'baton.rpc.registry.list'> {
    const [afterName] = decodeCursor(request.cursor, CursorShapes.name) ?? [];
    const rows = await this.definitions.latestVersions(request.limit + 1, afterName === undefined ? undefined : String(afterName));
    const items = rows.slice(0, request.limit);
    const more = rows.length > request.limit;
    return { items: items.map(toDefinitionSummary), nextCursor: more ? encodeCursor([items[items.length - 1].name]) : null };
  }

  @RpcHandler('baton.rpc.registry.scheduled')
  async scheduled(): Res<'baton.rpc.registry.scheduled'> {
    return { definitions: (await this.definitions.latestScheduled()).map(toDefinitionView) };
  }

  @RpcHandler('baton.rpc.registry.triggers-for-event')
  async triggersForEvent(request: Req<'baton.rpc.registry.triggers-for-event'>): Res<'baton.rpc.registry.triggers-for-event'> {
    const rows = await this.definitions.latestTriggeredBy(request.eventType);
    return { definitions: rows.map(toDefinitionView) };
  }
}
