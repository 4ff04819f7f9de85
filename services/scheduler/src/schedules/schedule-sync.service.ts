import { Injectable } from '@nestjs/common';
import type { DefinitionView } from '@baton/contracts';
import { nextFireTime, type ScheduleTriggerDefinition } from '@baton/dsl';
import { RpcClient } from '@baton/messaging';
import { Clock } from '@baton/runtime';
import { ScheduleEntity } from './schedule.entity';
import { SchedulesRepository } from './schedules.repository';

/**
 * Keeps `scheduler.schedules` equal to the schedule triggers of every workflow's latest version:
 * new ones start from now, changed ones are re-planned from now (keeping their pause), and those
 * a newer version dropped are removed.
 */
@Injectable()
export class ScheduleSync {
  constructor(
    private readonly schedules: SchedulesRepository,
    private readonly registry: RpcClient,
    private readonly clock: Clock,
  ) {}

  async sync(): Promise<void> {
    const { definitions } = await this.registry.call('baton.rpc.registry.scheduled', {});
    const now = this.clock.now();
    await this.schedules.dataSource.transaction(async (manager) => {
      await this.schedules.lockSync(manager);
      const existing = new Map((await this.schedules.all(manager)).map((s) => [s.id, s]));
      const wanted = definitions.flatMap(scheduleTriggersOf);
      for (const { id, workflow, triggerIndex, version, spec } of wanted) {
        const known = existing.get(id);
        existing.delete(id);
        const changed = !known || JSON.stringify(known.spec) !== JSON.stringify(spec);
        if (!changed && known.version === version) continue;
        const schedule =
          known ?? Object.assign(new ScheduleEntity(), { paused: false, lastFireAt: null, lastRunId: null, lastSkippedAt: null });
        Object.assign(schedule, { id, workflow, triggerIndex, version, spec });
        if (changed) schedule.nextFireAt = schedule.paused ? null : nextFireTime(spec, now);
        await this.schedules.save(manager, schedule);
      }
      await this.schedules.remove(manager, [...existing.keys()]);
    });
  }
}

/** The id of a schedule trigger: its workflow and its place in the definition's `triggers`. */
export const scheduleIdOf = (workflow: string, triggerIndex: number): string => `${workflow}.${triggerIndex}`;

function scheduleTriggersOf(view: DefinitionView) {
  return (view.definition.triggers ?? []).flatMap((trigger, triggerIndex) =>
    'schedule' in trigger
      ? [
          {
            id: scheduleIdOf(view.name, triggerIndex),
            workflow: view.name,
            triggerIndex,
            version: view.version,
            spec: trigger as ScheduleTriggerDefinition,
          },
        ]
      : [],
  );
}
