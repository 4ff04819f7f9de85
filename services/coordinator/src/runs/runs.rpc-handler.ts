import { Injectable } from '@nestjs/common';
import {
  nulCharacterErrors,
  RpcProblemError,
  RunIds,
  type RpcReplyValue,
  type RpcRequest,
  type RunOperation,
  type RunView,
} from '@baton/contracts';
import { inputViolations } from '@baton/dsl';
import { RpcHandler } from '@baton/messaging';
import { PinnedDefinitions } from '../definitions/pinned-definitions';
import { RunQueries } from './run-queries.service';
import type { Decision, RunEvent } from '../engine';
import { RunTransitions } from './run-transitions.service';

const OPERATIONS: Record<RunOperation, RunEvent> = {
  cancel: { type: 'CancelRequested' },
  retry: { type: 'RetryRequested' },
  pause: { type: 'PauseRequested' },
  resume: { type: 'ResumeRequested' },
};

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
    const violations = inputViolations(pinned.definition.input, request.input ?? {});
    if (violations.length > 0) throw RpcProblemError.invalid("the input does not match the workflow's input schema", violations);
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

  /** Cancel, retry, pause or resume; 409 with the reason when the run is not in a state that allows it. */
  @RpcHandler('baton.rpc.coordinator.operate-run')
  async operateRun(request: RpcRequest<'baton.rpc.coordinator.operate-run'>): Promise<RpcReplyValue<'baton.rpc.coordinator.operate-run'>> {
    const event = OPERATIONS[request.operation];
    const decision = await this.transitions.apply(
      request.id,
      event.type === 'CancelRequested' ? { ...event, reason: request.reason } : event,
    );
    return this.viewAfter(request.id, decision);
  }

  /** Delivers a signal; 409 when no step of the run is waiting for it, with the reason. */
  @RpcHandler('baton.rpc.coordinator.signal-run')
  async signalRun(request: RpcRequest<'baton.rpc.coordinator.signal-run'>): Promise<RpcReplyValue<'baton.rpc.coordinator.signal-run'>> {
    const decision = await this.transitions.apply(request.id, { type: 'SignalReceived', name: request.name, payload: request.payload });
    return this.viewAfter(request.id, decision);
  }

  @RpcHandler('baton.rpc.coordinator.get-run')
  getRun(request: RpcRequest<'baton.rpc.coordinator.get-run'>): Promise<RpcReplyValue<'baton.rpc.coordinator.get-run'>> {
    return this.queries.get(request.id);
  }

  /** The run after an operation; the operation's own reason when it changed nothing. */
  private async viewAfter(id: string, decision: Decision | null): Promise<RunView> {
    if (!decision) throw RpcProblemError.notFound(`no run '${id}'`);
    const ignored = decision.history.find((h) => h.type === 'StaleResultIgnored');
    if (ignored)
      throw RpcProblemError.conflict(String((ignored.data as { reason?: string } | undefined)?.reason ?? 'the run cannot take this now'));
    return this.queries.get(id);
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
