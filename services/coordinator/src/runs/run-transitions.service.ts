import { Inject, Injectable, Logger } from '@nestjs/common';
import { BatonConfig } from '@baton/config';
import type { StartRunCommand } from '@baton/contracts';
import { evaluateTemplate, type WorkflowDefinition } from '@baton/dsl';
import { Outbox, OutboxRelay } from '@baton/messaging';
import { Clock } from '@baton/runtime';
import {
  activeTraceId,
  BatonAttributes,
  extractTraceContext,
  injectTraceHeaders,
  inSpan,
  linksToActiveSpan,
  serviceTracer,
  type SpanOptions,
} from '@baton/telemetry';
import type { EntityManager } from 'typeorm';
import { decide, isTerminal, type Decision, type EngineCommand, type RunEvent, type RunState, type StepState } from '../engine';
import { PinnedDefinitions, type PinnedDefinition } from '../definitions/pinned-definitions';
import { breachAtEnd, slaAlertMessage, type SlaAlert } from '../insights/sla';
import { EventWaitsRepository } from './event-waits.repository';
import { endsRun, recordDecisionMetrics, type SavedDecision } from './run-metrics';
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
  private readonly eventBufferMs: number;

  constructor(
    private readonly runs: RunsRepository,
    private readonly eventWaits: EventWaitsRepository,
    private readonly definitions: PinnedDefinitions,
    private readonly outbox: Outbox,
    @Inject(OutboxRelay) private readonly relay: OutboxRelay,
    private readonly clock: Clock,
    config: BatonConfig,
  ) {
    this.eventBufferMs = config.BATON_EVENT_BUFFER_SECONDS * 1000;
  }

  /**
   * Creates and starts the run; `created` is false when a run with this id existed (idempotent).
   * With a `concurrency` limit reached for its key, the run is created `pending` and queued. A
   * command without a version runs the latest one.
   */
  async start(command: StartRunCommand): Promise<{ created: boolean }> {
    const pinned = await this.definitions.resolve(command.workflow, command.version);
    const now = this.clock.now();
    const key = await concurrencyKeyOf(pinned.definition, command.input);
    const decided: SavedDecision[] = [];
    const created = await this.runs.dataSource.transaction(async (manager) => {
      const traceId = activeTraceId();
      const trace = traceId === undefined ? undefined : { traceId, context: injectTraceHeaders() };
      const locked = await this.runs.insert(manager, newRunState(command, pinned, now), pinned.graph.order, trace, key);
      if (!locked) return false;
      const limit = pinned.definition.concurrency?.limit;
      if (key !== undefined && limit !== undefined && (await this.runs.lockConcurrencyKey(manager, command.workflow, key)) >= limit) {
        await this.runs.save(manager, locked, locked.state, [{ type: 'RunQueued', data: { key, limit }, at: now.toISOString() }]);
        return true;
      }
      const decision = await this.decideAndSave(manager, locked, pinned, { type: 'RunStarted' }, now, decided);
      if (isTerminal(decision.state)) await this.admitQueued(manager, locked, decided);
      return true;
    });
    decided.forEach(recordDecisionMetrics);
    if (created) this.relay.kick();
    return { created };
  }

  /** A run holding a concurrency slot ended: start the queued runs of its key, oldest first, while slots are free. */
  private async admitQueued(manager: EntityManager, ended: LockedRun, decided: SavedDecision[]): Promise<void> {
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
      await this.decideAndSave(manager, locked, pinned, { type: 'RunStarted' }, this.clock.now(), decided);
    }
  }

  /** Feeds one event to an existing run; null for an unknown run (logged and dropped: nothing can use it). */
  async apply(runId: string, event: RunEvent): Promise<Decision | null> {
    const decided: SavedDecision[] = [];
    const decision = await this.runs.dataSource.transaction(async (manager) => {
      const locked = await this.runs.lock(manager, runId);
      if (!locked) {
        this.logger.warn(`${event.type} for unknown run ${runId} dropped`);
        return null;
      }
      const pinned = await this.definitions.get(locked.state.workflow, locked.state.version);
      const decision = await this.decideAndSave(manager, locked, pinned, event, this.clock.now(), decided);
      if (!isTerminal(locked.state) && isTerminal(decision.state)) await this.admitQueued(manager, locked, decided);
      return decision;
    });
    decided.forEach(recordDecisionMetrics);
    this.relay.kick();
    return decision;
  }

  /**
   * Decides and saves one event, then offers each step that began waiting for an event the
   * buffered events of its type, one by one while it still waits (each a decision of its own).
   * Returns all of it as one decision; `decided` collects each saved decision, for metrics after commit.
   */
  private async decideAndSave(
    manager: EntityManager,
    locked: LockedRun,
    pinned: PinnedDefinition,
    event: RunEvent,
    now: Date,
    decided: SavedDecision[],
  ): Promise<Decision> {
    let decision = await this.decideAndSaveOne(manager, locked, pinned, event, now, decided);
    if (this.eventBufferMs === 0) return decision;
    for (const wait of decision.commands.filter((c) => c.type === 'AwaitEvent')) {
      const since = new Date(now.getTime() - this.eventBufferMs);
      for (const buffered of await this.eventWaits.bufferedSince(manager, wait.eventType, since)) {
        const step = decision.state.steps[wait.stepId];
        if (step?.status !== 'waiting' || step.attempts !== wait.attempt) break;
        const received: RunEvent = { type: 'EventReceived', stepId: wait.stepId, attempt: wait.attempt, event: buffered };
        const next = await this.decideAndSave(manager, afterDecision(locked, decision), pinned, received, now, decided);
        decision = {
          state: next.state,
          commands: [...decision.commands, ...next.commands],
          history: [...decision.history, ...next.history],
        };
      }
    }
    return decision;
  }

  private async decideAndSaveOne(
    manager: EntityManager,
    locked: LockedRun,
    pinned: PinnedDefinition,
    event: RunEvent,
    now: Date,
    decided: SavedDecision[],
  ): Promise<Decision> {
    const attributes = {
      [BatonAttributes.runId]: locked.state.id,
      [BatonAttributes.workflow]: locked.state.workflow,
      ...('stepId' in event ? { [BatonAttributes.stepId]: event.stepId, [BatonAttributes.attempt]: event.attempt } : {}),
    };
    return inSpan(this.tracer, `run ${event.type}`, spanOptions(locked, event, attributes), async (span) => {
      const decision = await decide({ definition: pinned.definition, graph: pinned.graph, state: locked.state, event, now });
      span.setAttribute('baton.run_status', decision.state.status);
      // Each step transition of the decision (a transform completing, a branch routed…) as a span event.
      for (const record of decision.history) {
        span.addEvent(record.type, {
          ...(record.stepId === undefined ? {} : { [BatonAttributes.stepId]: record.stepId }),
          ...(record.attempt === undefined ? {} : { [BatonAttributes.attempt]: record.attempt }),
        });
      }
      // An event no waiting step matched changes nothing; most events offered to a run are such.
      if (decision.history.length === 0 && decision.commands.length === 0) return decision;
      await this.runs.save(manager, locked, decision.state, decision.history);
      await this.outbox.discard(manager, cancelledTimerIds(decision.state, decision.commands));
      await this.updateEventWaits(manager, decision.state.id, decision.commands, now);
      const transition = locked.entity.historySeq + decision.history.length;
      await this.outbox.enqueue(manager, toOutboxMessages(decision.state, decision.commands, now, transition));
      const slaAlert = await this.reportBreachAtEnd(manager, locked, pinned, decision.state, now);
      decided.push(slaAlert ? { ...decision, slaAlert } : decision);
      this.logOutcomes(decision);
      return decision;
    });
  }

  /**
   * A run ending after its SLA deadline is reported breached as it ends, unless the SLA monitor did
   * while it ran: the monitor looks only every second, and only at runs still going.
   */
  private async reportBreachAtEnd(
    manager: EntityManager,
    locked: LockedRun,
    pinned: PinnedDefinition,
    next: RunState,
    now: Date,
  ): Promise<SlaAlert | undefined> {
    if (locked.entity.slaBreachedAt !== null || isTerminal(locked.state) || !isTerminal(next)) return undefined;
    const breach = breachAtEnd(pinned.definition, next);
    if (!breach || !(await this.runs.claimSlaAlert(manager, next.id, breach.alert, now, { whileActive: false }))) return undefined;
    await this.outbox.enqueue(manager, [slaAlertMessage(next, breach, now)]);
    return breach.alert;
  }

  /** Failed attempts and ended runs, for operators reading logs (inside the run's span, so with its ids). */
  private logOutcomes(decision: Decision): void {
    for (const record of decision.history) {
      if (record.type === 'StepFailed') {
        const error = record.data as { message?: string } | undefined;
        this.logger.warn(`step ${record.stepId} attempt ${record.attempt} failed: ${error?.message ?? 'unknown error'}`);
      }
    }
    if (endsRun(decision)) {
      this.logger.log(`run ${decision.state.id} of ${decision.state.workflow} ended ${decision.state.status}`);
    }
  }

  /** Steps that stopped waiting for an event are forgotten first, then those that began are recorded (under their type's lock). */
  private async updateEventWaits(manager: EntityManager, runId: string, commands: EngineCommand[], now: Date): Promise<void> {
    for (const command of commands) {
      if (command.type === 'StopAwaitingEvent') await this.eventWaits.stopWaiting(manager, runId, command.stepId);
    }
    for (const command of commands) {
      if (command.type !== 'AwaitEvent') continue;
      await this.eventWaits.lockEventType(manager, command.eventType);
      await this.eventWaits.startWaiting(manager, runId, command.stepId, command.attempt, command.eventType, now);
    }
  }
}

/**
 * Events that reach a run from outside its own messages: operations over the admin API, and the
 * business events a `waitForEvent` step correlates (published in their publisher's trace).
 */
const OUTSIDE_EVENTS: ReadonlySet<RunEvent['type']> = new Set([
  'SignalReceived',
  'CancelRequested',
  'RetryRequested',
  'PauseRequested',
  'ResumeRequested',
  'EventReceived',
]);

/**
 * Such an event's span goes into the run's trace (one trace per run), linked to the span that
 * caused it (the API caller's, the event publisher's); every other event already arrives in the
 * run's trace.
 */
function spanOptions(locked: LockedRun, event: RunEvent, attributes: SpanOptions['attributes']): SpanOptions {
  if (!OUTSIDE_EVENTS.has(event.type) || !locked.entity.traceContext) return { attributes };
  return { attributes, parent: extractTraceContext(locked.entity.traceContext), links: linksToActiveSpan() };
}

/** The locked run as the decision left it, for a further decision in the same transaction. */
function afterDecision(locked: LockedRun, decision: Decision): LockedRun {
  return {
    entity: { ...locked.entity, historySeq: locked.entity.historySeq + decision.history.length },
    state: decision.state,
    positions: locked.positions,
  };
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
    version: pinned.version,
    status: 'pending',
    input: command.input ?? {},
    trigger: command.trigger,
    createdAt: now.toISOString(),
    steps,
  };
}
