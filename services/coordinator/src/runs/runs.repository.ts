import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isUuid, type RunStatus } from '@baton/contracts';
import { jsonbRow, jsonbRows } from '@baton/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import type { HistoryRecord, RunState } from '../engine';
import { HistoryEntryEntity } from './history-entry.entity';
import { historyColumns, runColumns, stepColumns, toRunState } from './run-state.mapper';
import { RunEntity } from './run.entity';
import { StepEntity } from './step.entity';
import { ACTIVE_STATUSES_SQL } from './status-sql';

export interface LockedRun {
  entity: RunEntity;
  state: RunState;
  positions: Map<string, number>;
}

export interface RunFilter {
  workflow?: string;
  status?: RunStatus;
  parentRunId?: string;
  /** Created in [createdAfter, createdBefore). */
  createdAfter?: string;
  createdBefore?: string;
  /** JSON text of an object the run's input must contain. */
  inputContains?: string;
  /** Keyset cursor: rows strictly after this (createdAt, id) in descending order. */
  after?: { createdAt: string; id: string };
  limit: number;
}

/** The only code that reads or writes the coordinator's run tables. */
@Injectable()
export class RunsRepository {
  constructor(@InjectDataSource('coordinator') readonly dataSource: DataSource) {}

  /** Inserts the run and its steps; false when a run with this id exists already (idempotent start). */
  async insert(
    manager: EntityManager,
    state: RunState,
    stepOrder: string[],
    trace: { traceId: string; context: Record<string, string> } | undefined,
    concurrencyKey: string | undefined,
  ): Promise<LockedRun | null> {
    const inserted = await manager
      .createQueryBuilder()
      .insert()
      .into(RunEntity)
      .values(
        jsonbRow({
          id: state.id,
          workflow: state.workflow,
          version: state.version,
          status: state.status,
          input: state.input ?? {},
          trigger: state.trigger,
          parentRunId: state.trigger.kind === 'workflow' ? state.trigger.parentRunId : null,
          traceId: trace?.traceId ?? null,
          traceContext: trace?.context ?? null,
          concurrencyKey: concurrencyKey ?? null,
          historySeq: 0,
          createdAt: new Date(state.createdAt),
        }),
      )
      .orIgnore()
      .returning('*')
      .execute();
    if ((inserted.raw as unknown[]).length === 0) return null;
    const positions = new Map(stepOrder.map((id, index) => [id, index]));
    await manager.insert(StepEntity, jsonbRows(stepOrder.map((id) => stepColumns(state.id, positions.get(id) ?? 0, state.steps[id]))));
    const entity = await manager.findOneOrFail(RunEntity, { where: { id: state.id } });
    return { entity, state, positions };
  }

  /** Loads a run and its steps with a row lock held until the transaction ends: one writer per run. */
  async lock(manager: EntityManager, id: string): Promise<LockedRun | null> {
    if (!isUuid(id)) return null; // names no run, and would be a type error in PostgreSQL
    const entity = await manager.findOne(RunEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!entity) return null;
    const steps = await manager.find(StepEntity, { where: { runId: id } });
    return { entity, state: toRunState(entity, steps), positions: new Map(steps.map((s) => [s.stepId, s.position])) };
  }

  /** Writes what a decision changed: the run row, the steps that differ, and new history lines. */
  async save(manager: EntityManager, locked: LockedRun, next: RunState, history: HistoryRecord[]): Promise<void> {
    const firstSeq = locked.entity.historySeq + 1;
    await manager.update(
      RunEntity,
      { id: locked.entity.id },
      jsonbRow({ ...runColumns(next), historySeq: locked.entity.historySeq + history.length }),
    );
    const changed = Object.values(next.steps).filter((step) => JSON.stringify(step) !== JSON.stringify(locked.state.steps[step.id]));
    if (changed.length > 0) {
      await manager.upsert(
        StepEntity,
        jsonbRows(changed.map((step) => stepColumns(next.id, positionOf(locked.positions, step.id), step))),
        ['runId', 'stepId'],
      );
    }
    if (history.length > 0) {
      await manager.insert(HistoryEntryEntity, jsonbRows(history.map((record, i) => historyColumns(next.id, firstSeq + i, record))));
    }
  }

  /**
   * Serialises admission for one concurrency key until the transaction ends, then counts the runs
   * holding a slot (active: started and not ended).
   */
  async lockConcurrencyKey(manager: EntityManager, workflow: string, key: string): Promise<number> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`concurrency:${workflow}:${key}`]);
    const [{ active }] = (await manager.query(
      `SELECT count(*)::int AS "active" FROM "coordinator"."runs"
       WHERE "workflow" = $1 AND "concurrency_key" = $2 AND "status" IN ('running', 'paused', 'compensating')`,
      [workflow, key],
    )) as { active: number }[];
    return active;
  }

  /** The id of the oldest run waiting for a slot of this key, if any. */
  async oldestQueued(manager: EntityManager, workflow: string, key: string): Promise<string | undefined> {
    const rows = (await manager.query(
      `SELECT "id" FROM "coordinator"."runs" WHERE "workflow" = $1 AND "concurrency_key" = $2 AND "status" = 'pending'
       ORDER BY "created_at", "id" LIMIT 1`,
      [workflow, key],
    )) as { id: string }[];
    return rows[0]?.id;
  }

  /**
   * Marks the SLA alert as raised for the run, in the caller's transaction, and gives the run's
   * status; null when it was raised already, or when an at-risk alert comes after the breach. This
   * UPDATE is the claim: with several coordinators checking the same run, the row lock makes the
   * second wait and then find the column set, so each alert is raised once. `whileActive` also
   * refuses a run that ended meanwhile (the monitor read it earlier, without a lock).
   */
  async claimSlaAlert(
    manager: EntityManager,
    runId: string,
    alert: 'sla_at_risk' | 'sla_breached',
    at: Date,
    options: { whileActive: boolean },
  ): Promise<{ status: RunStatus } | null> {
    const column = alert === 'sla_at_risk' ? 'sla_at_risk_at' : 'sla_breached_at';
    const conditions = [
      `"${column}" IS NULL`,
      ...(alert === 'sla_at_risk' ? [`"sla_breached_at" IS NULL`] : []),
      ...(options.whileActive ? [`"status" IN ${ACTIVE_STATUSES_SQL}`] : []),
    ];
    // Through a CTE so that the driver answers with the rows, as for a SELECT.
    const rows = (await manager.query(
      `WITH "claimed" AS (
         UPDATE "coordinator"."runs" SET "${column}" = $2 WHERE "id" = $1 AND ${conditions.join(' AND ')} RETURNING "status"
       ) SELECT "status" FROM "claimed"`,
      [runId, at],
    )) as { status: RunStatus }[];
    return rows[0] ?? null;
  }

  async find(id: string): Promise<{ run: RunEntity; steps: StepEntity[] } | null> {
    if (!isUuid(id)) return null;
    const run = await this.dataSource.manager.findOne(RunEntity, { where: { id } });
    if (!run) return null;
    return { run, steps: await this.dataSource.manager.find(StepEntity, { where: { runId: id }, order: { position: 'ASC' } }) };
  }

  list(filter: RunFilter): Promise<RunEntity[]> {
    const query = this.dataSource.manager
      .createQueryBuilder(RunEntity, 'r')
      .orderBy('r.createdAt', 'DESC')
      .addOrderBy('r.id', 'DESC')
      .limit(filter.limit);
    if (filter.workflow) query.andWhere('r.workflow = :workflow', { workflow: filter.workflow });
    if (filter.status) query.andWhere('r.status = :status', { status: filter.status });
    if (filter.parentRunId) query.andWhere('r.parentRunId = :parentRunId', { parentRunId: filter.parentRunId });
    if (filter.createdAfter) query.andWhere('r.createdAt >= :createdAfter', { createdAfter: filter.createdAfter });
    if (filter.createdBefore) query.andWhere('r.createdAt < :createdBefore', { createdBefore: filter.createdBefore });
    if (filter.inputContains) query.andWhere('r.input @> CAST(:inputContains AS jsonb)', { inputContains: filter.inputContains });
    if (filter.after) query.andWhere('(r.createdAt, r.id) < (:createdAt, :id)', { createdAt: filter.after.createdAt, id: filter.after.id });
    return query.getMany();
  }

  history(runId: string, afterSeq: number, limit: number): Promise<HistoryEntryEntity[]> {
    return this.dataSource.manager
      .createQueryBuilder(HistoryEntryEntity, 'h')
      .where('h.runId = :runId AND h.seq > :afterSeq', { runId, afterSeq })
      .orderBy('h.seq', 'ASC')
      .limit(limit)
      .getMany();
  }
}

/** A step's place in the listing; a forEach item (`x[3]`, created at run time) sits with its forEach. */
function positionOf(positions: ReadonlyMap<string, number>, stepId: string): number {
  return positions.get(stepId) ?? positions.get(stepId.replace(/\[\d+\]$/, '')) ?? 0;
}
