import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { PollingLoop } from '@baton/messaging';
import { ScheduleFiring } from './schedule-firing.service';
import { ScheduleSync } from './schedule-sync.service';

/** How often due schedules are looked for: the bound on how late a fire starts (plus the outbox relay). */
const FIRE_EVERY_MS = 200;
/** How often schedules are synced with the registry: a new or changed schedule takes effect within this. */
const SYNC_EVERY_MS = 2_000;

/** Drives the schedules: syncs them with the registry and fires what is due, until shutdown. */
@Injectable()
export class SchedulesLoop implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SchedulesLoop.name);
  // The registry or the database may be away for a moment; a failed round is logged and the next one tries again.
  private readonly loops = [
    new PollingLoop('schedules sync', SYNC_EVERY_MS, async () => void (await this.sync.sync()), this.logger),
    new PollingLoop('schedules fire', FIRE_EVERY_MS, async () => void (await this.firing.fireDue()), this.logger),
  ];

  constructor(
    private readonly sync: ScheduleSync,
    private readonly firing: ScheduleFiring,
  ) {}

  onApplicationBootstrap(): void {
    for (const loop of this.loops) loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.loops.map((loop) => loop.stop()));
  }
}
