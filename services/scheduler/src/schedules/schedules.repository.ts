import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { jsonbRow } from '@baton/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { ScheduleEntity } from './schedule.entity';

/** Schedules claimed per tick at most; the rest wait for the next tick (a bound on one transaction). */
const CLAIM_BATCH = 100;

/** The only code that reads or writes `scheduler.schedules`. */
@Injectable()
export class SchedulesRepository {
  constructor(@InjectDataSource('scheduler') readonly dataSource: DataSource) {}

  /**
   * Due schedules, locked until the transaction ends; rows another replica holds are skipped, so
   * each due fire is claimed by exactly one scheduler.
   */
  claimDue(manager: EntityManager, now: Date): Promise<ScheduleEntity[]> {
    return manager
      .createQueryBuilder(ScheduleEntity, 's')
      .where('s.nextFireAt <= :now AND NOT s.paused', { now })
      .orderBy('s.nextFireAt')
      .limit(CLAIM_BATCH)
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getMany();
  }

  /** One schedule, locked until the transaction ends (waiting for a replica that holds it). */
  lock(manager: EntityManager, id: string): Promise<ScheduleEntity | null> {
    return manager.findOne(ScheduleEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  async save(manager: EntityManager, schedule: ScheduleEntity): Promise<void> {
    await manager.upsert(ScheduleEntity, jsonbRow(schedule), ['id']);
  }

  all(manager: EntityManager = this.dataSource.manager): Promise<ScheduleEntity[]> {
    return manager.find(ScheduleEntity, { order: { workflow: 'ASC', triggerIndex: 'ASC' } });
  }

  async remove(manager: EntityManager, ids: string[]): Promise<void> {
    if (ids.length > 0) await manager.delete(ScheduleEntity, ids);
  }

  /** Serialises syncing with the registry across replicas until the transaction ends. */
  async lockSync(manager: EntityManager): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['scheduler:sync-schedules']);
  }
}
