import { Injectable } from '@nestjs/common';
import { nulCharacterErrors, RpcProblemError, RunIds, type RpcReplyValue, type RpcRequest } from '@baton/contracts';
import { RpcHandler } from '@baton/messaging';
import { PinnedDefinitions } from '../definitions/pinned-definitions';
import { RunQueries } from './run-queries.service';
import { RunTransitions } from './run-transitions.service';

/** The coordinator's request/reply surface for the admin API. */
@Injectable()
export class RunsRpcHandler {
  constructor(
    private readonly transitions: RunTransitions,
    private readonly queries: RunQueries,
    private readonly definitions: PinnedDefinitions,
  ) {}

  /**
   * Starts a run from the API. Answered synchronously (not through a JetStream command) so the
   * caller gets the run, or the reason it cannot start, in the response.
   */
  @RpcHandler('baton.rpc.coordinator.start-run')
  async startRun(request: RpcRequest<'baton.rpc.coordinator.start-run'>): Promise<RpcReplyValue<'baton.rpc.coordinator.start-run'>> {
    const unstorable = nulCharacterErrors(request.input, 'input');
    if (unstorable.length > 0) throw RpcProblemError.invalid('the run input cannot be stored', unstorable);
    const pinned = await this.definitions.resolve(request.workflow, request.version);
    const runId = request.idempotencyKey ? RunIds.forIdempotencyKey(request.workflow, request.idempotencyKey) : RunIds.random();
    const { created } = await this.transitions.start({
      runId,
      workflow: request.workflow,
      version: pinned.version,
      input: request.input ?? {},
      trigger: { kind: 'api', ...(request.idempotencyKey ? { idempotencyKey: request.idempotencyKey } : {}) },
    });
    return { created, run: await this.queries.get(runId) };
  }

  @RpcHandler('baton.rpc.coordinator.get-run')
  getRun(request: RpcRequest<'baton.rpc.coordinator.get-run'>): Promise<RpcReplyValue<'baton.rpc.coordinator.get-run'>> {
    return this.queries.get(request.id);
  }

  @RpcHandler('baton.rpc.coordinator.list-runs')
  listRuns(request: RpcRequest<'baton.rpc.coordinator.list-runs'>): Promise<RpcReplyValue<'baton.rpc.coordinator.list-runs'>> {
    return this.queries.list(request);
  }

  @RpcHandler('baton.rpc.coordinator.run-history')
  runHistory(request: RpcRequest<'baton.rpc.coordinator.run-history'>): Promise<RpcReplyValue<'baton.rpc.coordinator.run-history'>> {
    return this.queries.history(request.id, request.limit, request.cursor);
  }
}
