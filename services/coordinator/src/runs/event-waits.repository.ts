import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { CloudEvent } from '@baton/contracts';
import { DataSource, type EntityManager } from 'typeorm';

/** A `waitForEvent` step waiting for events of one type. */
export interface EventWait {
  runId: string;
  stepId: string;
  attempt: number;
}

/** Buffered events offered to a step that starts waiting: the most recent ones, so a busy event type stays cheap. */
export const MAX_BUFFERED_EVENTS_OFFERED = 1000;

/**
 * Who waits for which event type (`event_waits`), and the events that arrived recently
 * (`buffered_events`), so a step that begins waiting after its event arrived still sees it.
 */
@Injectable()
export class EventWaitsRepository {
  constructor(@InjectDataSource('coordinator') private readonly dataSource: DataSource) {}

  /**
   * Serialises, per event type, a step starting to wait against an event of that type arriving,
   * until the transaction ends: whichever comes second sees the other (the wait sees the buffered
   * event, or the event sees the wait), so neither is missed.
   */
  async lockEventType(manager: EntityManager, eventType: string): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`event-wait:${eventType}`]);
  }

  async startWaiting(manager: EntityManager, runId: string, stepId: string, attempt: number, eventType: string, now: Date): Promise<void> {
    await manager.query(
      `INSERT INTO "coordinator"."event_waits" ("run_id", "step_id", "attempt", "event_type", "created_at") VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT ("run_id", "step_id") DO UPDATE SET "attempt" = EXCLUDED."attempt", "event_type" = EXCLUDED."event_type", "created_at" = EXCLUDED."created_at"`,
      [runId, stepId, attempt, eventType, now],
    );
  }

  async stopWaiting(manager: EntityManager, runId: string, stepId: string): Promise<void> {
    await manager.query(`DELETE FROM "coordinator"."event_waits" WHERE "run_id" = $1 AND "step_id" = $2`, [runId, stepId]);
  }

  /** Events of the type that arrived since `since`, oldest first (at most the most recent MAX_BUFFERED_EVENTS_OFFERED). */
  async bufferedSince(manager: EntityManager, eventType: string, since: Date): Promise<CloudEvent[]> {
    const rows = (await manager.query(
      `SELECT "event" FROM (
         SELECT "event", "received_at" FROM "coordinator"."buffered_events"
         WHERE "event_type" = $1 AND "received_at" >= $2 ORDER BY "received_at" DESC LIMIT $3
       ) recent ORDER BY "received_at"`,
      [eventType, since, MAX_BUFFERED_EVENTS_OFFERED],
    )) as { event: CloudEvent }[];
    return rows.map((row) => row.event);
  }

  /**
   * Records an event's arrival: buffers it (once per source and id) unless buffering is off, and
   * returns the steps waiting for its type, all under the type's lock.
   */
  recordArrival(event: CloudEvent, receivedAt: Date, buffer: boolean): Promise<EventWait[]> {
    return this.dataSource.transaction(async (manager) => {
      await this.lockEventType(manager, event.type);
      if (buffer) {
        await manager.query(
          `INSERT INTO "coordinator"."buffered_events" ("source", "event_id", "event_type", "event", "received_at")
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
          [event.source, event.id, event.type, JSON.stringify(event), receivedAt],
        );
      }
      return (await manager.query(
        `SELECT "run_id" AS "runId", "step_id" AS "stepId", "attempt" FROM "coordinator"."event_waits" WHERE "event_type" = $1`,
        [event.type],
      )) as EventWait[];
    });
  }

  /** Forgets events that arrived before `before`: no step that starts waiting now may see them. */
  async pruneBuffer(before: Date): Promise<void> {
    await this.dataSource.query(`DELETE FROM "coordinator"."buffered_events" WHERE "received_at" < $1`, [before]);
  }
}
