import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { DeliveryEntity } from './delivery.entity';

export type NewDelivery = Pick<DeliveryEntity, 'id' | 'runId' | 'workflow' | 'event' | 'url'>;

export interface FailedAttempt {
  error: string;
  statusCode?: number;
  /** No further attempt will follow: the delivery ends `failed`. */
  final: boolean;
}

const nextAttempt = () => '"attempts" + 1';

/** The only code that reads or writes the notifier's delivery table. */
@Injectable()
export class DeliveriesRepository {
  constructor(@InjectRepository(DeliveryEntity, 'notifier') private readonly deliveries: Repository<DeliveryEntity>) {}

  /** The delivery with this id, created `pending` the first time the event is seen. */
  async open(delivery: NewDelivery): Promise<DeliveryEntity> {
    await this.deliveries
      .createQueryBuilder()
      .insert()
      .values({ ...delivery, status: 'pending', attempts: 0 })
      .orIgnore()
      .execute();
    return this.deliveries.findOneByOrFail({ id: delivery.id });
  }

  async recordDelivered(id: string, statusCode: number): Promise<void> {
    await this.deliveries.update({ id }, { status: 'delivered', attempts: nextAttempt, lastStatusCode: statusCode, lastError: null });
  }

  async recordFailure(id: string, attempt: FailedAttempt): Promise<void> {
    await this.deliveries.update(
      { id },
      {
        status: attempt.final ? 'failed' : 'pending',
        attempts: nextAttempt,
        lastError: attempt.error,
        lastStatusCode: attempt.statusCode ?? null,
      },
    );
  }
}
