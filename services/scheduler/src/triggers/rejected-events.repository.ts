import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { FieldError } from '@baton/dsl';
import { jsonbRow } from '@baton/persistence';
import { Repository } from 'typeorm';
import { RejectedEventEntity } from './rejected-event.entity';

@Injectable()
export class RejectedEventsRepository {
  constructor(@InjectRepository(RejectedEventEntity, 'scheduler') private readonly rejected: Repository<RejectedEventEntity>) {}

  async record(rejection: { subject: string; reason: string; errors: FieldError[]; event: unknown }): Promise<void> {
    await this.rejected.insert(jsonbRow(rejection));
  }

  /** Newest first, keyset-paginated by id. */
  list(limit: number, beforeId?: string): Promise<RejectedEventEntity[]> {
    const query = this.rejected.createQueryBuilder('r').orderBy('r.id', 'DESC').limit(limit);
    if (beforeId !== undefined) query.where('r.id < :beforeId', { beforeId });
    return query.getMany();
  }
}
