import type { DeliveryStatus } from '@baton/contracts';
import type { NotificationChannel } from '@baton/dsl';
import type { CarrierHeaders } from '@baton/telemetry';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { Notification } from '../channels/notification';

/** One notification to one channel for one run event, across all its attempts. */
@Entity({ name: 'deliveries' })
export class DeliveryEntity {
  /**
   * `<runId>:<event>:<rule>` (`<runId>:approval_requested:<stepId>:<rule>` for an approval), also
   * sent as `X-Baton-Delivery` so receivers can deduplicate.
   */
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'run_id', type: 'text' })
  runId!: string;

  @Column({ type: 'text' })
  workflow!: string;

  /** `run.completed`, `run.sla_at_risk`…, as in `X-Baton-Event`. */
  @Column({ type: 'text' })
  event!: string;

  /** `definition[<index>]` or `global:<name>`. */
  @Column({ type: 'text' })
  rule!: string;

  @Column({ type: 'text' })
  channel!: NotificationChannel;

  /** The channel's settings as the rule had them when the event came (secrets as templates, never values). */
  @Column({ type: 'jsonb' })
  config!: Record<string, unknown>;

  /** The URL, the addresses or the subject, for people reading the list. */
  @Column({ type: 'text' })
  target!: string;

  /** What is sent, fixed when the event came, so every attempt sends the same thing. */
  @Column({ type: 'jsonb' })
  notification!: Notification;

  /** The run's trace, so each attempt's span joins it. */
  @Column({ name: 'trace_headers', type: 'jsonb' })
  traceHeaders!: CarrierHeaders;

  @Column({ type: 'text', default: 'pending' })
  status!: DeliveryStatus;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt!: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'last_status_code', type: 'int', nullable: true })
  lastStatusCode!: number | null;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
