import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateDeliveries1763942400000 implements MigrationInterface {
  name = 'CreateDeliveries1763942400000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE "notifier"."deliveries" (
        "id" text PRIMARY KEY,
        "run_id" text NOT NULL,
        "workflow" text NOT NULL,
        "event" text NOT NULL,
        "url" text NOT NULL,
        "status" text NOT NULL DEFAULT 'pending' CHECK ("status" IN ('pending', 'delivered', 'failed')),
        "attempts" int NOT NULL DEFAULT 0,
        "last_error" text,
        "last_status_code" int,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX "deliveries_run_id_idx" ON "notifier"."deliveries" ("run_id")`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "notifier"."deliveries"`);
  }
}
