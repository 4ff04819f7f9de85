import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { InsightsRunCounts, RunStatus, StepStatus } from '@baton/contracts';
import { DataSource } from 'typeorm';
import { ACTIVE_STATUSES_SQL as ACTIVE } from '../runs/status-sql';

/**
 * A step id as insights report it: the items of a `forEach` step `x` (`x[0]`, `x[1]`, …) together
 * as `x[*]`, so that a fan-out of a thousand items is one line, not a thousand.
 */
const REPORTED_STEP_ID = (column: string) => `regexp_replace(${column}, '\\[\\d+\\]$', '[*]')`;

/**
 * The workflow's runs that may matter to a window starting at $2: those that ended in it or later,
 * and those not ended. Whatever ended before the window began, and its steps and history, is left out.
 */
const RUNS_TOUCHING_WINDOW = `r."workflow" = $1 AND (r."ended_at" >= $2 OR r."ended_at" IS NULL)`;

export interface Window {
  from: Date;
  to: Date;
}

export interface StepSample {
  stepId: string;
  type: string;
  ms: number;
}

export interface StepAttempts {
  stepId: string;
  type: string;
  attempts: number;
  failures: number;
}

export interface StepErrorCount {
  stepId: string;
  message: string;
  count: number;
}

/** A run still going, with what a prediction needs of its steps. */
export interface ActiveRun {
  id: string;
  workflow: string;
  version: number;
  status: RunStatus;
  startedAt: string;
  atRiskRaised: boolean;
  steps: Record<string, { status: StepStatus; startedAt?: string }>;
}

interface ActiveRunRow {
  id: string;
  workflow: string;
  version: number;
  status: RunStatus;
  started_at: Date;
  sla_at_risk_at: Date | null;
}

/** Reads for insights and the SLA monitor: aggregates over the coordinator's own runs, steps and history. */
@Injectable()
export class InsightsRepository {
  constructor(@InjectDataSource('coordinator') private readonly dataSource: DataSource) {}

  async runCounts(workflow: string, window: Window): Promise<InsightsRunCounts> {
    const ended = (status: RunStatus) => `count(*) FILTER (WHERE r."status" = '${status}' AND r."ended_at" <= $3)::int`;
    const [row] = (await this.dataSource.query(
      `SELECT count(*) FILTER (WHERE r."started_at" >= $2 AND r."started_at" <= $3)::int AS "started",
              ${ended('completed')} AS "completed",
              ${ended('failed')} AS "failed",
              ${ended('compensated')} AS "compensated",
              ${ended('cancelled')} AS "cancelled",
              ${ended('timed_out')} AS "timedOut",
              count(*) FILTER (WHERE r."status" IN ${ACTIVE})::int AS "running"
       FROM "coordinator"."runs" r WHERE ${RUNS_TOUCHING_WINDOW}`,
      [workflow, window.from, window.to],
    )) as InsightsRunCounts[];
    return row;
  }

  /** Start to end of the latest `limit` runs that ended in the window (a run that never started: from its creation). */
  async runDurations(workflow: string, window: Window, limit: number): Promise<number[]> {
    const rows = (await this.dataSource.query(
      `SELECT EXTRACT(EPOCH FROM (r."ended_at" - COALESCE(r."started_at", r."created_at")))::float8 * 1000 AS "ms"
       FROM "coordinator"."runs" r
       WHERE r."workflow" = $1 AND r."ended_at" >= $2 AND r."ended_at" <= $3
       ORDER BY r."ended_at" DESC LIMIT $4`,
      [workflow, window.from, window.to, limit],
    )) as { ms: number }[];
    return rows.map((row) => row.ms);
  }

  /**
   * How long steps that completed in the window took, first start to completion (so retries and
   * their back-off count), over every version's runs; the latest `perStep` of each step. A step
   * compensated since still counts: it completed first.
   */
  async stepDurations(workflow: string, window: Window, perStep: number): Promise<StepSample[]> {
    return (await this.dataSource.query(
      `SELECT "stepId", "type", "ms" FROM (
         SELECT ${REPORTED_STEP_ID('s."step_id"')} AS "stepId", s."type",
                EXTRACT(EPOCH FROM (s."ended_at" - s."started_at"))::float8 * 1000 AS "ms",
                row_number() OVER (PARTITION BY ${REPORTED_STEP_ID('s."step_id"')} ORDER BY s."ended_at" DESC) AS "recency"
         FROM "coordinator"."runs" r JOIN "coordinator"."steps" s ON s."run_id" = r."id"
         WHERE ${RUNS_TOUCHING_WINDOW} AND s."status" IN ('completed', 'compensated')
           AND s."started_at" IS NOT NULL AND s."ended_at" >= $2 AND s."ended_at" <= $3
       ) "samples" WHERE "recency" <= $4`,
      [workflow, window.from, window.to, perStep],
    )) as StepSample[];
  }

  /**
   * Attempts started and attempts failed in the window, per step, from the history: each failed
   * attempt is a `StepFailed` line carrying the error. An attempt that failed before it could start
   * (its templates did not evaluate) has no `StepStarted`, so attempts are counted as distinct
   * attempt numbers seen in either.
   */
  async stepAttempts(workflow: string, window: Window): Promise<StepAttempts[]> {
    return (await this.dataSource.query(
      `SELECT ${REPORTED_STEP_ID('h."step_id"')} AS "stepId", min(s."type") AS "type",
              count(DISTINCT h."run_id"::text || ':' || h."step_id" || ':' || COALESCE(h."attempt", 0))::int AS "attempts",
              count(*) FILTER (WHERE h."type" = 'StepFailed')::int AS "failures"
       FROM "coordinator"."runs" r
         JOIN "coordinator"."history" h ON h."run_id" = r."id"
         JOIN "coordinator"."steps" s ON s."run_id" = h."run_id" AND s."step_id" = h."step_id"
       WHERE ${RUNS_TOUCHING_WINDOW} AND h."at" >= $2 AND h."at" <= $3 AND h."type" IN ('StepStarted', 'StepFailed')
       GROUP BY 1`,
      [workflow, window.from, window.to],
    )) as StepAttempts[];
  }

  /** The `perStep` most frequent error messages of failed attempts in the window, per step (ties by message). */
  async topErrors(workflow: string, window: Window, perStep: number): Promise<StepErrorCount[]> {
    return (await this.dataSource.query(
      `SELECT "stepId", "message", "count" FROM (
         SELECT "stepId", "message", "count",
                row_number() OVER (PARTITION BY "stepId" ORDER BY "count" DESC, "message") AS "rank"
         FROM (
           SELECT ${REPORTED_STEP_ID('h."step_id"')} AS "stepId", left(COALESCE(h."data"->>'message', ''), 500) AS "message",
                  count(*)::int AS "count"
           FROM "coordinator"."runs" r JOIN "coordinator"."history" h ON h."run_id" = r."id"
           WHERE ${RUNS_TOUCHING_WINDOW} AND h."at" >= $2 AND h."at" <= $3 AND h."type" = 'StepFailed' AND h."step_id" IS NOT NULL
           GROUP BY 1, 2
         ) "counted"
       ) "ranked" WHERE "rank" <= $4`,
      [workflow, window.from, window.to, perStep],
    )) as StepErrorCount[];
  }

  /** The workflow's runs still going, oldest first. */
  activeRuns(workflow: string, limit: number): Promise<ActiveRun[]> {
    return this.runsStillGoing(`"workflow" = $1`, [workflow], limit);
  }

  /** Workflow versions with runs still going whose breach has not been reported: what the SLA monitor looks at. */
  async watchedVersions(): Promise<{ workflow: string; version: number }[]> {
    return (await this.dataSource.query(
      `SELECT DISTINCT "workflow", "version" FROM "coordinator"."runs"
       WHERE "status" IN ${ACTIVE} AND "sla_breached_at" IS NULL`,
    )) as { workflow: string; version: number }[];
  }

  /** Runs of one version still going whose breach has not been reported, oldest (closest to their deadline) first. */
  watchedRuns(workflow: string, version: number, limit: number): Promise<ActiveRun[]> {
    return this.runsStillGoing(`"workflow" = $1 AND "version" = $2 AND "sla_breached_at" IS NULL`, [workflow, version], limit);
  }

  /** Started runs not ended that match `where` (over $1…), oldest first, with their steps. */
  private async runsStillGoing(where: string, params: unknown[], limit: number): Promise<ActiveRun[]> {
    const rows = (await this.dataSource.query(
      `SELECT "id", "workflow", "version", "status", "started_at", "sla_at_risk_at" FROM "coordinator"."runs"
       WHERE ${where} AND "status" IN ${ACTIVE} AND "started_at" IS NOT NULL
       ORDER BY "started_at", "id" LIMIT $${params.length + 1}`,
      [...params, limit],
    )) as ActiveRunRow[];
    return this.withSteps(rows);
  }

  private async withSteps(rows: ActiveRunRow[]): Promise<ActiveRun[]> {
    if (rows.length === 0) return [];
    const steps = (await this.dataSource.query(
      `SELECT "run_id", "step_id", "status", "started_at" FROM "coordinator"."steps" WHERE "run_id" = ANY($1::uuid[])`,
      [rows.map((row) => row.id)],
    )) as { run_id: string; step_id: string; status: StepStatus; started_at: Date | null }[];
    const byRun = new Map<string, ActiveRun['steps']>(rows.map((row) => [row.id, {}]));
    for (const step of steps) {
      const run = byRun.get(step.run_id);
      if (run) run[step.step_id] = { status: step.status, ...(step.started_at ? { startedAt: step.started_at.toISOString() } : {}) };
    }
    return rows.map((row) => ({
      id: row.id,
      workflow: row.workflow,
      version: row.version,
      status: row.status,
      startedAt: row.started_at.toISOString(),
      atRiskRaised: row.sla_at_risk_at !== null,
      steps: byRun.get(row.id) ?? {},
    }));
  }
}
