import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The W3C trace context a run started in, so that what happens to it later from outside its
 * messages (a signal, a cancel over the API) is recorded in the run's own trace.
 */
export class RunTraceContext1764300000000 implements MigrationInterface {
  name = 'RunTraceContext1764300000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE "coordinator"."runs" ADD COLUMN "trace_context" jsonb`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE "coordinator"."runs" DROP COLUMN "trace_context"`);
  }
}
