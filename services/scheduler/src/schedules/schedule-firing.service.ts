import { Injectable, Logger } from '@nestjs/common';
import { RpcProblemError, RunIds, Subjects, TERMINAL_RUN_STATUSES, type StartRunCommand } from '@baton/contracts';
import { evaluateTemplate, fireTimesBetween, firesDue, jitterOf, MAX_ENUMERATED_FIRES, MISFIRE_GRACE_MS, parseDuration } from '@baton/dsl';
import { Outbox, OutboxRelay, RpcClient, type OutboxMessage } from '@baton/messaging';
import { Clock } from '@baton/runtime';
import type { EntityManager } from 'typeorm';
import type { ScheduleEntity } from './schedule.entity';
import { SchedulesRepository } from './schedules.repository';

/**
 * Turns due schedules into start commands. Each fire's run id is derived from the schedule and the
 * nominal fire time and its command is written to the outbox in the transaction that moves the
 * schedule on, so a fire is started exactly once: by one replica (rows are claimed with
 * SKIP LOCKED), once (a retried publish or a backfill of the same time lands on the same run).
 */
@Injectable()
export class ScheduleFiring {
  private readonly logger = new Logger(ScheduleFiring.name);

  constructor(
    private readonly schedules: SchedulesRepository,
    private readonly outbox: Outbox,
    private readonly relay: OutboxRelay,
    private readonly rpc: RpcClient,
    private readonly clock: Clock,
  ) {}

  /** Fires every due schedule this replica can claim; the number of schedules that fired. */
  async fireDue(): Promise<number> {
    const now = this.clock.now();
    const claimed = await this.schedules.dataSource.transaction(async (manager) => {
      const due = await this.schedules.claimDue(manager, now);
      for (const schedule of due) await this.fireScheduled(manager, schedule, now);
      return due.length;
    });
    if (claimed > 0) this.relay.kick();
    return claimed;
  }

  /** `POST /v1/schedules/{id}/trigger`: one run now, whatever the overlap policy. */
  trigger(id: string): Promise<string[]> {
    return this.fireOnRequest(id, () => [this.clock.now()]);
  }

  /** `POST /v1/schedules/{id}/backfill`: one run per fire time of the pattern in `[from, to]`. */
  backfill(id: string, from: Date, to: Date): Promise<string[]> {
    return this.fireOnRequest(id, (schedule) => {
      const times = fireTimesBetween(schedule.spec, new Date(from.getTime() - 1), to, MAX_ENUMERATED_FIRES + 1);
      if (times.length > MAX_ENUMERATED_FIRES) {
        throw RpcProblemError.invalid(`the window holds more than ${MAX_ENUMERATED_FIRES} fire times; backfill it in parts`, [
          { path: 'to', message: `at most ${MAX_ENUMERATED_FIRES} fire times per backfill` },
        ]);
      }
      return times;
    });
  }

  private async fireOnRequest(id: string, fireTimes: (schedule: ScheduleEntity) => Date[]): Promise<string[]> {
    const runIds = await this.schedules.dataSource.transaction(async (manager) => {
      const schedule = await this.schedules.lock(manager, id);
      if (!schedule) throw RpcProblemError.notFound(`no schedule '${id}'`);
      const messages: OutboxMessage[] = [];
      for (const fireTime of fireTimes(schedule)) {
        // Asked for now: no jitter.
        const start = await this.startMessage(schedule, fireTime, this.clock.now(), 0);
        if (start) messages.push(start);
      }
      await this.outbox.enqueue(manager, messages);
      return messages.map((message) => (message.payload as StartRunCommand).runId);
    });
    this.relay.kick();
    return runIds;
  }

  /**
   * The fires the misfire policy keeps, each subject to the overlap policy; with `skip` or
   * `cancelPrevious` only the latest of several fires due at once runs, since each would overlap
   * the one before it.
   */
  private async fireScheduled(manager: EntityManager, schedule: ScheduleEntity, now: Date): Promise<void> {
    if (!schedule.nextFireAt) return;
    const { fires, next } = firesDue(schedule.spec, schedule.nextFireAt, now);
    const overlap = schedule.spec.overlap ?? 'allow';
    const messages: OutboxMessage[] = [];
    for (const fireTime of overlap === 'allow' ? fires : fires.slice(-1)) {
      if (overlap !== 'allow' && (await this.previousRunActive(schedule, now))) {
        if (overlap === 'skip') {
          schedule.lastSkippedAt = fireTime;
          continue;
        }
        const reason = `schedule ${schedule.id} fired again at ${fireTime.toISOString()} (overlap: cancelPrevious)`;
        messages.push({
          subject: Subjects.cancelRun,
          payload: { runId: schedule.lastRunId ?? '', reason },
          msgId: `cancel:${schedule.lastRunId}`,
        });
      }
      const start = await this.startMessage(schedule, fireTime, now, parseDuration(schedule.spec.jitter ?? '0s') ?? 0);
      if (!start) continue;
      messages.push(start);
      schedule.lastFireAt = fireTime;
      schedule.lastRunId = (start.payload as StartRunCommand).runId;
    }
    schedule.nextFireAt = next;
    await this.outbox.enqueue(manager, messages);
    await this.schedules.save(manager, schedule);
  }

  /**
   * Whether the run of the previous fire is still active. A run the coordinator does not know yet
   * counts as active for a minute after its fire (its start command may still be on its way).
   */
  private async previousRunActive(schedule: ScheduleEntity, now: Date): Promise<boolean> {
    if (!schedule.lastRunId) return false;
    try {
      const run = await this.rpc.call('baton.rpc.coordinator.get-run', { id: schedule.lastRunId });
      return !TERMINAL_RUN_STATUSES.includes(run.status);
    } catch (error) {
      if (!(error instanceof RpcProblemError && error.problem.status === 404)) throw error;
      return schedule.lastFireAt !== null && now.getTime() - schedule.lastFireAt.getTime() < MISFIRE_GRACE_MS;
    }
  }

  /** The start command of one fire, held back by up to `jitterMs`; undefined when the trigger's input cannot be evaluated. */
  private async startMessage(schedule: ScheduleEntity, fireTime: Date, now: Date, jitterMs: number): Promise<OutboxMessage | undefined> {
    const fire = { id: schedule.id, fireTime: fireTime.toISOString() };
    let input: unknown;
    try {
      input = (await evaluateTemplate(schedule.spec.input ?? {}, { schedule: fire })) ?? {};
    } catch (error) {
      this.logger.warn(`schedule ${schedule.id}: fire at ${fire.fireTime} skipped, its input failed: ${(error as Error).message}`);
      return undefined;
    }
    const runId = RunIds.forScheduleFire(schedule.id, fireTime);
    const command: StartRunCommand = {
      runId,
      workflow: schedule.workflow,
      input,
      trigger: { kind: 'schedule', scheduleId: schedule.id, fireTime: fire.fireTime },
    };
    const notBefore = new Date(Math.max(now.getTime(), fireTime.getTime() + jitterOf(schedule.id, fireTime, jitterMs)));
    return { subject: Subjects.startRun, payload: command, msgId: `start:${runId}`, notBefore };
  }
}
