import { Inject, Injectable, Logger } from '@nestjs/common';
import type { StartRunCommand } from '@baton/contracts';
import { evaluateTemplate, type WorkflowDefinition } from '@baton/dsl';
import { Outbox, OutboxRelay } from '@baton/messaging';
import { Clock } from '@baton/runtime';
import { activeTraceId, BatonAttributes, inSpan, serviceTracer } from '@baton/telemetry';
import type { EntityManager } from 'typeorm';
import { decide, isTerminal, type Decision, type RunEvent, type RunState, type StepState } from '../engine';
import { PinnedDefinitions, type PinnedDefinition } from '../definitions/pinned-definitions';
import { cancelledTimerIds, toOutboxMessages } from './run-outbox';
import { RunsRepository, type LockedRun } from './runs.repository';

/**
 * Every change to a run goes through here: load it under a row lock, let the pure engine decide,
 * and save the new state, its history and the messages it causes (outbox) in one transaction.
 */
@Injectable()
export class RunTransitions {
  private readonly logger = new Logger(RunTransitions.name);
  private readonly tracer = serviceTracer('coordinator');

  constructor(
    private readonly runs: RunsRepository,
    private readonly definitions: PinnedDefinitions,
    private readonly outbox: Outbox,
    @Inject(OutboxRelay) private readonly relay: OutboxRelay,
    private readonly clock: Clock,
  ) {}

  /**
   * Creates and starts the run; `created` is false when a run with this id existed (idempotent).
   * With a `concurrency` limit reached for its key, the run is created `pending` and queued.
   */
  async start(command: StartRunCommand): Promise<{ created: boolean }> {
    const pinned = await this.definitions.get(command.workflow, command.version);
    const now = this.clock.now();
    const key = await concurrencyKeyOf(pinned.definition, command.input);
    const created = await this.runs.dataSource.transaction(async (manager) => {
      const locked = await this.runs.insert(manager, newRunState(command, pinned, now), pinned.graph.order, activeTraceId(), key);
      if (!locked) return false;
      const limit = pinned.definition.concurrency?.limit;
      if (key !== undefined && limit !== undefined && (await this.runs.lockConcurrencyKey(manager, command.workflow, key)) >= limit) {
        await this.runs.save(manager, locked, locked.state, [{ type: 'RunQueued', data: { key, limit }, at: now.toISOString() }]);
        return true;
      }
      const decision = await this.decideAndSave(manager, locked, pinned, { type: 'RunStarted' }, now);
      if (isTerminal(decision.state)) await this.admitQueued(manager, locked);
      return true;
    });
    if (created) this.relay.kick();
    return { created };
  }

  /** A run holding a concurrency slot ended: start the queued runs of its key, oldest first, while slots are free. */
  private async admitQueued(manager: EntityManager, ended: LockedRun): Promise<void> {
    const key = ended.entity.concurrencyKey;
    if (key === null) return;
    const { workflow } = ended.state;
    for (;;) {
      const limit = (await this.definitions.get(workflow, ended.state.version)).definition.concurrency?.limit ?? 1;
      if ((await this.runs.lockConcurrencyKey(manager, workflow, key)) >= limit) return;
      const next = await this.runs.oldestQueued(manager, workflow, key);
      const locked = next === undefined ? null : await this.runs.lock(manager, next);
      if (!locked) return;
      const pinned = await this.definitions.get(workflow, locked.state.version);
      await this.decideAndSave(manager, locked, pinned, { type: 'RunStarted' }, this.clock.now());
    }
  }

  /** Feeds one event to an existing run; null for an unknown run (logged and dropped: nothing can use it). */
  async apply(runId: string, event: RunEvent): Promise<Decision | null> {
    const decision = await this.runs.dataSource.transaction(async (manager) => {
      const locked = await this.runs.lock(manager, runId);
      if (!locked) {
        this.logger.warn(`${event.type} for unknown run ${runId} dropped`);
        return null;
      }
      const pinned = await this.definitions.get(locked.state.workflow, locked.state.version);
      const decision = await this.decideAndSave(manager, locked, pinned, event, this.clock.now());
      if (!isTerminal(locked.state) && isTerminal(decision.state)) await this.admitQueued(manager, locked);
      return decision;
    });
    this.relay.kick();
    return decision;
  }

  private async decideAndSave(
    manager: EntityManager,
    locked: LockedRun,
    pinned: PinnedDefinition,
    event: RunEvent,
    now: Date,
  ): Promise<Decision> {
    const attributes = {
      [BatonAttributes.runId]: locked.state.id,
      [BatonAttributes.workflow]: locked.state.workflow,
      ...('stepId' in event ? { [BatonAttributes.stepId]: event.stepId, [BatonAttributes.attempt]: event.attempt } : {}),
    };
    return inSpan(this.tracer, `run ${event.type}`, { attributes }, async (span) => {
      const decision = await decide({ definition: pinned.definition, graph: pinned.graph, state: locked.state, event, now });
      span.setAttribute('baton.run_status', decision.state.status);
      await this.runs.save(manager, locked, decision.state, decision.history);
      await this.outbox.discard(manager, cancelledTimerIds(decision.state, decision.commands));
      const transition = locked.entity.historySeq + decision.history.length;
      await this.outbox.enqueue(manager, toOutboxMessages(decision.state, decision.commands, now, transition));
      return decision;
    });
  }
}

/** The run's concurrency key, evaluated against its input; undefined without a `concurrency` block. */
async function concurrencyKeyOf(definition: WorkflowDefinition, input: unknown): Promise<string | undefined> {
  if (!definition.concurrency) return undefined;
  const value = await evaluateTemplate(definition.concurrency.key, { input }).catch(() => undefined);
  return value === undefined || value === null ? undefined : typeof value === 'string' ? value : JSON.stringify(value);
}

function newRunState(command: StartRunCommand, pinned: PinnedDefinition, now: Date): RunState {
  const steps: Record<string, StepState> = {};
  for (const id of pinned.graph.order) steps[id] = { id, type: pinned.graph.steps[id].type, status: 'pending', attempts: 0 };
  return {
    id: command.runId,
    workflow: command.workflow,
    version: command.version,
    status: 'pending',
    input: command.input ?? {},
    trigger: command.trigger,
    createdAt: now.toISOString(),
    steps,
  };
}
