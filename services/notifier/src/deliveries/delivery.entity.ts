import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One webhook of one notification rule for one run status change, across all its attempts. */
@Entity({ name: 'deliveries' })
export class DeliveryEntity {
  /** `<runId>:<status>:<ruleIndex>`, also sent as `X-Baton-Delivery` so receivers can deduplicate. */
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'run_id', type: 'text' })
  runId!: string;

  @Column({ type: 'text' })
  workflow!: string;

  /** `run.completed` or `run.failed`, as in `X-Baton-Event`. */
  @Column({ type: 'text' })
  event!: string;

  @Column({ type: 'text' })
  url!: string;

  @Column({ type: 'text', default: 'pending' })
  status!: DeliveryStatus;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'last_status_code', type: 'int', nullable: true })
  lastStatusCode!: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
