import { Injectable } from '@nestjs/common';
import { RpcProblemError, type RpcReplyValue, type RpcRequest, type ScheduleView } from '@baton/contracts';
import { DEFAULT_CATCH_UP_LIMIT, nextFireTime } from '@baton/dsl';
import { RpcHandler } from '@baton/messaging';
import { Clock } from '@baton/runtime';
import type { ScheduleEntity } from './schedule.entity';
import { ScheduleFiring } from './schedule-firing.service';
import { SchedulesRepository } from './schedules.repository';

/** The scheduler's request/reply surface for `/v1/schedules`. */
@Injectable()
export class SchedulesRpcHandler {
  constructor(
    private readonly schedules: SchedulesRepository,
    private readonly firing: ScheduleFiring,
    private readonly clock: Clock,
  ) {}

  @RpcHandler('baton.rpc.scheduler.list-schedules')
  async list(request: RpcRequest<'baton.rpc.scheduler.list-schedules'>): Promise<RpcReplyValue<'baton.rpc.scheduler.list-schedules'>> {
    const all = await this.schedules.all();
    return { items: all.filter((s) => request.workflow === undefined || s.workflow === request.workflow).map(toScheduleView) };
  }

  /** Pause stops firing; resume plans the next fire from now (fires due while paused are not made up). */
  @RpcHandler('baton.rpc.scheduler.operate-schedule')
  operate(request: RpcRequest<'baton.rpc.scheduler.operate-schedule'>): Promise<RpcReplyValue<'baton.rpc.scheduler.operate-schedule'>> {
    return this.schedules.dataSource.transaction(async (manager) => {
      const schedule = await this.schedules.lock(manager, request.id);
      if (!schedule) throw RpcProblemError.notFound(`no schedule '${request.id}'`);
      const pause = request.operation === 'pause';
      if (schedule.paused !== pause) {
        schedule.paused = pause;
        schedule.nextFireAt = pause ? null : nextFireTime(schedule.spec, this.clock.now());
        await this.schedules.save(manager, schedule);
      }
      return toScheduleView(schedule);
    });
  }

  @RpcHandler('baton.rpc.scheduler.fire-schedule')
  async fire(request: RpcRequest<'baton.rpc.scheduler.fire-schedule'>): Promise<RpcReplyValue<'baton.rpc.scheduler.fire-schedule'>> {
    const runIds =
      request.mode === 'trigger'
        ? await this.firing.trigger(request.id)
        : await this.firing.backfill(request.id, new Date(request.from), new Date(request.to));
    return { runIds };
  }
}

function toScheduleView(schedule: ScheduleEntity): ScheduleView {
  const { spec } = schedule;
  const misfire = spec.misfire ?? 'fireOnce';
  return {
    id: schedule.id,
    workflow: schedule.workflow,
    version: schedule.version,
    schedule: spec.schedule,
    timezone: spec.timezone ?? 'UTC',
    misfire,
    overlap: spec.overlap ?? 'allow',
    ...(misfire === 'catchUp' ? { catchUpLimit: spec.catchUpLimit ?? DEFAULT_CATCH_UP_LIMIT } : {}),
    ...(spec.jitter ? { jitter: spec.jitter } : {}),
    paused: schedule.paused,
    ...(schedule.nextFireAt ? { nextFireAt: schedule.nextFireAt.toISOString() } : {}),
    ...(schedule.lastFireAt ? { lastFireAt: schedule.lastFireAt.toISOString() } : {}),
    ...(schedule.lastRunId ? { lastRunId: schedule.lastRunId } : {}),
    ...(schedule.lastSkippedAt ? { lastSkippedAt: schedule.lastSkippedAt.toISOString() } : {}),
  };
}
