import { outboxTableSql } from '@baton/messaging';
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateRuns1763942400000 implements MigrationInterface {
  name = 'CreateRuns1763942400000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE "coordinator"."runs" (
        "id" uuid PRIMARY KEY,
        "workflow" text NOT NULL,
        "version" int NOT NULL,
        "status" text NOT NULL,
        "input" jsonb,
        "output" jsonb,
        "error" jsonb,
        "trigger" jsonb NOT NULL,
        "trace_id" text,
        "history_seq" int NOT NULL DEFAULT 0,
        "compensation_reason" text,
        "routed" jsonb,
        "concurrency_key" text,
        "deadline_timer" bigint,
        "created_at" timestamptz NOT NULL,
        "started_at" timestamptz,
        "ended_at" timestamptz
      )`);
    await runner.query(`CREATE INDEX "runs_created_idx" ON "coordinator"."runs" ("created_at" DESC, "id" DESC)`);
    await runner.query(`CREATE INDEX "runs_workflow_created_idx" ON "coordinator"."runs" ("workflow", "created_at" DESC, "id" DESC)`);
    await runner.query(`CREATE INDEX "runs_status_created_idx" ON "coordinator"."runs" ("status", "created_at" DESC, "id" DESC)`);
    await runner.query(
      `CREATE INDEX "runs_concurrency_idx" ON "coordinator"."runs" ("workflow", "concurrency_key", "status", "created_at") WHERE "concurrency_key" IS NOT NULL`,
    );
    await runner.query(`
      CREATE TABLE "coordinator"."steps" (
        "run_id" uuid NOT NULL REFERENCES "coordinator"."runs" ("id") ON DELETE CASCADE,
        "step_id" text NOT NULL,
        "position" int NOT NULL,
        "type" text NOT NULL,
        "status" text NOT NULL,
        "attempts" int NOT NULL DEFAULT 0,
        "input" jsonb,
        "output" jsonb,
        "error" jsonb,
        "started_at" timestamptz,
        "ended_at" timestamptz,
        "completion_order" int,
        "compensation" jsonb,
        PRIMARY KEY ("run_id", "step_id")
      )`);
    await runner.query(`
      CREATE TABLE "coordinator"."history" (
        "run_id" uuid NOT NULL REFERENCES "coordinator"."runs" ("id") ON DELETE CASCADE,
        "seq" int NOT NULL,
        "type" text NOT NULL,
        "step_id" text,
        "attempt" int,
        "data" jsonb,
        "at" timestamptz NOT NULL,
        PRIMARY KEY ("run_id", "seq")
      )`);
    await runner.query(`
      CREATE TABLE "coordinator"."definitions" (
        "name" text NOT NULL,
        "version" int NOT NULL,
        "document" jsonb NOT NULL,
        PRIMARY KEY ("name", "version")
      )`);
    for (const sql of outboxTableSql('coordinator')) await runner.query(sql);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ['outbox', 'definitions', 'history', 'steps', 'runs']) await runner.query(`DROP TABLE "coordinator"."${table}"`);
  }
}
