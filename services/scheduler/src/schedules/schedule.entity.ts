import type { ScheduleTriggerDefinition } from '@baton/dsl';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One schedule trigger of a workflow's latest version, with where its firing stands. */
@Entity({ name: 'schedules' })
export class ScheduleEntity {
  /** `<workflow>.<trigger index>`. */
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  workflow!: string;

  @Column({ name: 'trigger_index', type: 'int' })
  triggerIndex!: number;

  @Column({ type: 'int' })
  version!: number;

  @Column({ type: 'jsonb' })
  spec!: ScheduleTriggerDefinition;

  @Column({ type: 'boolean', default: false })
  paused!: boolean;

  /** The next nominal fire time; null when paused or when the pattern has no more. */
  @Column({ name: 'next_fire_at', type: 'timestamptz', nullable: true })
  nextFireAt!: Date | null;

  @Column({ name: 'last_fire_at', type: 'timestamptz', nullable: true })
  lastFireAt!: Date | null;

  @Column({ name: 'last_run_id', type: 'uuid', nullable: true })
  lastRunId!: string | null;

  @Column({ name: 'last_skipped_at', type: 'timestamptz', nullable: true })
  lastSkippedAt!: Date | null;
}
