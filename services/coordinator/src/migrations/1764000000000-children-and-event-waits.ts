import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Sub-workflows (a run's parent, a step's child) and `waitForEvent` (who waits, and recent events). */
export class ChildrenAndEventWaits1764000000000 implements MigrationInterface {
  name = 'ChildrenAndEventWaits1764000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE "coordinator"."runs" ADD COLUMN "parent_run_id" uuid`);
    await runner.query(
      `CREATE INDEX "runs_parent_created_idx" ON "coordinator"."runs" ("parent_run_id", "created_at" DESC, "id" DESC) WHERE "parent_run_id" IS NOT NULL`,
    );
    await runner.query(`ALTER TABLE "coordinator"."steps" ADD COLUMN "child_run_id" uuid`);
    await runner.query(`
      CREATE TABLE "coordinator"."event_waits" (
        "run_id" uuid NOT NULL REFERENCES "coordinator"."runs" ("id") ON DELETE CASCADE,
        "step_id" text NOT NULL,
        "attempt" int NOT NULL,
        "event_type" text NOT NULL,
        "created_at" timestamptz NOT NULL,
        PRIMARY KEY ("run_id", "step_id")
      )`);
    await runner.query(`CREATE INDEX "event_waits_type_idx" ON "coordinator"."event_waits" ("event_type")`);
    await runner.query(`
      CREATE TABLE "coordinator"."buffered_events" (
        "source" text NOT NULL,
        "event_id" text NOT NULL,
        "event_type" text NOT NULL,
        "event" jsonb NOT NULL,
        "received_at" timestamptz NOT NULL,
        PRIMARY KEY ("source", "event_id")
      )`);
    await runner.query(`CREATE INDEX "buffered_events_type_idx" ON "coordinator"."buffered_events" ("event_type", "received_at")`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "coordinator"."buffered_events"`);
    await runner.query(`DROP TABLE "coordinator"."event_waits"`);
    await runner.query(`ALTER TABLE "coordinator"."steps" DROP COLUMN "child_run_id"`);
    await runner.query(`ALTER TABLE "coordinator"."runs" DROP COLUMN "parent_run_id"`);
  }
}
