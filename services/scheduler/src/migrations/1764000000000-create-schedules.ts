import { outboxTableSql } from '@baton/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Cron schedules (one row per schedule trigger of a workflow's latest version) and the scheduler's outbox. */
export class CreateSchedules1764000000000 implements MigrationInterface {
  name = 'CreateSchedules1764000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE "scheduler"."schedules" (
        "id" text PRIMARY KEY,
        "workflow" text NOT NULL,
        "trigger_index" int NOT NULL,
        "version" int NOT NULL,
        "spec" jsonb NOT NULL,
        "paused" boolean NOT NULL DEFAULT false,
        "next_fire_at" timestamptz,
        "last_fire_at" timestamptz,
        "last_run_id" uuid,
        "last_skipped_at" timestamptz
      )`);
    await runner.query(`CREATE INDEX "schedules_due_idx" ON "scheduler"."schedules" ("next_fire_at") WHERE NOT "paused"`);
    for (const sql of outboxTableSql('scheduler')) await runner.query(sql);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "scheduler"."outbox"`);
    await runner.query(`DROP TABLE "scheduler"."schedules"`);
  }
}
