import type { MigrationInterface, QueryRunner } from 'typeorm';

/** When each SLA alert of a run was raised: each is raised once, by whichever replica claims it first. */
export class SlaAlerts1764400000000 implements MigrationInterface {
  name = 'SlaAlerts1764400000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `ALTER TABLE "coordinator"."runs" ADD COLUMN "sla_at_risk_at" timestamptz, ADD COLUMN "sla_breached_at" timestamptz`,
    );
    // The SLA monitor looks every second for runs still going that may yet raise an alert: once a
    // run has ended or its breach was reported, it leaves this index.
    await runner.query(
      `CREATE INDEX "runs_sla_watch_idx" ON "coordinator"."runs" ("workflow", "version", "started_at")
       WHERE "status" IN ('running', 'waiting', 'paused', 'compensating') AND "sla_breached_at" IS NULL`,
    );
    // Insights read a workflow's runs that ended in a window (and those not ended).
    await runner.query(`CREATE INDEX "runs_workflow_ended_idx" ON "coordinator"."runs" ("workflow", "ended_at")`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX "coordinator"."runs_workflow_ended_idx"`);
    await runner.query(`DROP INDEX "coordinator"."runs_sla_watch_idx"`);
    await runner.query(`ALTER TABLE "coordinator"."runs" DROP COLUMN "sla_breached_at", DROP COLUMN "sla_at_risk_at"`);
  }
}
