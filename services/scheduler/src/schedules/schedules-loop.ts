import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
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
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly sync: ScheduleSync,
    private readonly firing: ScheduleFiring,
  ) {}

  onApplicationBootstrap(): void {
    this.running = true;
    this.loops = [
      this.every(SYNC_EVERY_MS, 'sync', () => this.sync.sync()),
      this.every(FIRE_EVERY_MS, 'fire', () => this.firing.fireDue()),
    ];
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async every(intervalMs: number, name: string, work: () => Promise<unknown>): Promise<void> {
    while (this.running) {
      try {
        await work();
      } catch (error) {
        // The registry or the database may be away for a moment; the next round tries again.
        this.logger.warn(`schedules ${name} failed: ${(error as Error).message}`);
      }
      await new Promise((done) => setTimeout(done, intervalMs));
    }
  }
}
