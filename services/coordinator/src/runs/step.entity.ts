import type { StepStatus, TaskError } from '@baton/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { CompensationState } from '../engine';

@Entity({ name: 'steps' })
export class StepEntity {
  @PrimaryColumn({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @PrimaryColumn({ name: 'step_id', type: 'text' })
  stepId!: string;

  /** Place in the definition, so steps are listed in the order they were written. */
  @Column({ type: 'int' })
  position!: number;

  @Column({ type: 'text' })
  type!: string;

  @Column({ type: 'text' })
  status!: StepStatus;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ type: 'jsonb', nullable: true })
  input!: unknown;

  @Column({ type: 'jsonb', nullable: true })
  output!: unknown;

  @Column({ type: 'jsonb', nullable: true })
  error!: TaskError | null;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;

  @Column({ name: 'completion_order', type: 'int', nullable: true })
  completionOrder!: number | null;

  @Column({ type: 'jsonb', nullable: true })
  compensation!: CompensationState | null;

  /** A `subWorkflow` step: the child run of its current attempt. */
  @Column({ name: 'child_run_id', type: 'uuid', nullable: true })
  childRunId!: string | null;
}
