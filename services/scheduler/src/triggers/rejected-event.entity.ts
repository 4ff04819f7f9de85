import type { FieldError } from '@baton/dsl';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A business event that started nothing because it was malformed, kept so its sender can see why. */
@Entity({ name: 'rejected_events' })
export class RejectedEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'text' })
  subject!: string;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ type: 'jsonb', default: () => `'[]'` })
  errors!: FieldError[];

  /** The event as received: parsed JSON, or the raw text (truncated) when it was not JSON. */
  @Column({ type: 'jsonb', nullable: true })
  event!: unknown;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt!: Date;
}
