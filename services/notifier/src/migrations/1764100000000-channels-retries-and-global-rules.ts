import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deliveries become a retry queue of their own (any channel, exponential back-off, dead letters)
 * instead of riding on JetStream redelivery; global notification rules get a table.
 */
export class ChannelsRetriesAndGlobalRules1764100000000 implements MigrationInterface {
  name = 'ChannelsRetriesAndGlobalRules1764100000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE "notifier"."deliveries" DROP CONSTRAINT IF EXISTS "deliveries_status_check"`);
    await runner.query(`UPDATE "notifier"."deliveries" SET "status" = 'dead_lettered' WHERE "status" = 'failed'`);
    await runner.query(`ALTER TABLE "notifier"."deliveries" RENAME COLUMN "url" TO "target"`);
    await runner.query(`
      ALTER TABLE "notifier"."deliveries"
        ADD CONSTRAINT "deliveries_status_check" CHECK ("status" IN ('pending', 'delivered', 'dead_lettered')),
        ADD COLUMN "rule" text NOT NULL DEFAULT '',
        ADD COLUMN "channel" text NOT NULL DEFAULT 'webhook',
        ADD COLUMN "config" jsonb NOT NULL DEFAULT '{}',
        ADD COLUMN "notification" jsonb NOT NULL DEFAULT '{}',
        ADD COLUMN "trace_headers" jsonb NOT NULL DEFAULT '{}',
        ADD COLUMN "next_attempt_at" timestamptz,
        ADD COLUMN "delivered_at" timestamptz`);
    await runner.query(`CREATE INDEX "deliveries_due_idx" ON "notifier"."deliveries" ("next_attempt_at") WHERE "status" = 'pending'`);
    await runner.query(`CREATE INDEX "deliveries_created_idx" ON "notifier"."deliveries" ("created_at", "id")`);
    await runner.query(`
      CREATE TABLE "notifier"."global_rules" (
        "name" text PRIMARY KEY,
        "workflows" text[],
        "rule" jsonb NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "notifier"."global_rules"`);
    await runner.query(`DROP INDEX "notifier"."deliveries_created_idx"`);
    await runner.query(`DROP INDEX "notifier"."deliveries_due_idx"`);
    await runner.query(`ALTER TABLE "notifier"."deliveries" DROP CONSTRAINT "deliveries_status_check"`);
    await runner.query(`
      ALTER TABLE "notifier"."deliveries"
        DROP COLUMN "rule", DROP COLUMN "channel", DROP COLUMN "config", DROP COLUMN "notification",
        DROP COLUMN "trace_headers", DROP COLUMN "next_attempt_at", DROP COLUMN "delivered_at"`);
    await runner.query(`ALTER TABLE "notifier"."deliveries" RENAME COLUMN "target" TO "url"`);
    await runner.query(`UPDATE "notifier"."deliveries" SET "status" = 'failed' WHERE "status" = 'dead_lettered'`);
    await runner.query(
      `ALTER TABLE "notifier"."deliveries" ADD CONSTRAINT "deliveries_status_check" CHECK ("status" IN ('pending', 'delivered', 'failed'))`,
    );
  }
}
