import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { DeliveryStatus } from '@baton/contracts';
import type { Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { DeliveryEntity } from './delivery.entity';

export type NewDelivery = Pick<
  DeliveryEntity,
  'id' | 'runId' | 'workflow' | 'event' | 'rule' | 'channel' | 'config' | 'target' | 'notification' | 'traceHeaders'
>;

export interface DeliveryFilter {
  runId?: string;
  workflow?: string;
  status?: DeliveryStatus;
}

/** Where a page of deliveries ends: `created_at` (ISO-8601, to the microsecond) and id. */
export interface DeliveryKey {
  createdAt: string;
  id: string;
}

/** How long a claimed delivery is held by the notifier that claimed it, should that one die mid-send. */
const CLAIM_LEASE_SECONDS = 60;

/** The only code that reads or writes the notifier's deliveries. */
@Injectable()
export class DeliveriesRepository {
  constructor(@InjectRepository(DeliveryEntity, 'notifier') private readonly deliveries: Repository<DeliveryEntity>) {}

  /** Queues the deliveries, due now; one already queued (a redelivered event) is left as it is. */
  async enqueue(deliveries: NewDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.deliveries
      .createQueryBuilder()
      .insert()
      // jsonb columns (the notification, the channel config) are plain JSON, which the deep-partial type cannot see.
      .values(
        deliveries.map(
          (d) => ({ ...d, status: 'pending', attempts: 0, nextAttemptAt: () => 'now()' }) as QueryDeepPartialEntity<DeliveryEntity>,
        ),
      )
      .orIgnore()
      .execute();
  }

  /**
   * Claims up to `limit` due deliveries by pushing their next attempt a lease into the future, so
   * several notifiers share the queue and a delivery whose notifier died is picked up again later.
   */
  async claimDue(limit: number): Promise<DeliveryEntity[]> {
    const ids = (await this.deliveries.query(
      `UPDATE "notifier"."deliveries" SET "next_attempt_at" = now() + interval '${CLAIM_LEASE_SECONDS} seconds'
       WHERE "id" IN (
         SELECT "id" FROM "notifier"."deliveries"
         WHERE "status" = 'pending' AND "next_attempt_at" <= now()
         ORDER BY "next_attempt_at" LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING "id"`,
      [limit],
    )) as [Array<{ id: string }>, number];
    const claimed = ids[0].map((row) => row.id);
    return claimed.length === 0 ? [] : this.deliveries.createQueryBuilder('d').where('d.id IN (:...claimed)', { claimed }).getMany();
  }

  async recordDelivered(id: string, statusCode: number | undefined): Promise<void> {
    await this.deliveries.update(
      { id },
      {
        status: 'delivered',
        attempts: () => '"attempts" + 1',
        lastStatusCode: statusCode ?? null,
        lastError: null,
        nextAttemptAt: null,
        deliveredAt: () => 'now()',
      },
    );
  }

  /** A failed attempt: retried at `retryAt`, or dead-lettered when there is none. */
  async recordFailure(id: string, failure: { error: string; statusCode?: number; retryAt?: Date }): Promise<void> {
    await this.deliveries.update(
      { id },
      {
        status: failure.retryAt ? 'pending' : 'dead_lettered',
        attempts: () => '"attempts" + 1',
        lastError: failure.error,
        lastStatusCode: failure.statusCode ?? null,
        nextAttemptAt: failure.retryAt ?? null,
      },
    );
  }

  /**
   * Newest first, keyset-paginated on (created_at, id). Each row comes with its key, `created_at`
   * to the microsecond as PostgreSQL keeps it: a key cut to JavaScript's milliseconds would skip the
   * rows created in the same millisecond as a page's last one (all the deliveries of one event are).
   */
  async page(filter: DeliveryFilter, limit: number, after?: DeliveryKey): Promise<Array<{ delivery: DeliveryEntity; key: DeliveryKey }>> {
    const query = this.deliveries
      .createQueryBuilder('d')
      .addSelect(`to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`, 'key_created_at')
      .orderBy('d.created_at', 'DESC')
      .addOrderBy('d.id', 'DESC')
      .limit(limit);
    if (filter.runId) query.andWhere('d.run_id = :runId', { runId: filter.runId });
    if (filter.workflow) query.andWhere('d.workflow = :workflow', { workflow: filter.workflow });
    if (filter.status) query.andWhere('d.status = :status', { status: filter.status });
    if (after) query.andWhere('(d.created_at, d.id) < (CAST(:createdAt AS timestamptz), :id)', after);
    const { entities, raw } = await query.getRawAndEntities<{ d_id: string; key_created_at: string }>();
    const createdAtOf = new Map(raw.map((row) => [row.d_id, row.key_created_at]));
    return entities.map((delivery) => ({ delivery, key: { createdAt: createdAtOf.get(delivery.id)!, id: delivery.id } }));
  }
}
