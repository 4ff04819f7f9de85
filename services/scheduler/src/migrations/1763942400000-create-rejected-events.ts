import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateRejectedEvents1763942400000 implements MigrationInterface {
  name = 'CreateRejectedEvents1763942400000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE "scheduler"."rejected_events" (
        "id" bigserial PRIMARY KEY,
        "subject" text NOT NULL,
        "reason" text NOT NULL,
        "errors" jsonb NOT NULL DEFAULT '[]',
        "event" jsonb,
        "received_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX "rejected_events_received_idx" ON "scheduler"."rejected_events" ("id" DESC)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE "scheduler"."rejected_events"`);
  }
}
