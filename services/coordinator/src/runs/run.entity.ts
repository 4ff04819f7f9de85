import type { RunError, RunStatus, RunTrigger } from '@baton/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { CompensationReason } from '../engine';

@Entity({ name: 'runs' })
export class RunEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text' })
  workflow!: string;

  @Column({ type: 'int' })
  version!: number;

  @Column({ type: 'text' })
  status!: RunStatus;

  @Column({ type: 'jsonb', nullable: true })
  input!: unknown;

  @Column({ type: 'jsonb', nullable: true })
  output!: unknown;

  @Column({ type: 'jsonb', nullable: true })
  error!: RunError | null;

  @Column({ type: 'jsonb' })
  trigger!: RunTrigger;

  /** The run whose `subWorkflow` step started this one (also in `trigger`; a column so children can be listed). */
  @Column({ name: 'parent_run_id', type: 'uuid', nullable: true })
  parentRunId!: string | null;

  @Column({ name: 'trace_id', type: 'text', nullable: true })
  traceId!: string | null;

  /** `traceparent`/`tracestate` of the span that started the run: operations on it join its trace. */
  @Column({ name: 'trace_context', type: 'jsonb', nullable: true })
  traceContext!: Record<string, string> | null;

  @Column({ name: 'compensation_reason', type: 'text', nullable: true })
  compensationReason!: CompensationReason | null;

  /** The value of the definition's `concurrency.key` for this run; runs sharing it are limited together. */
  @Column({ name: 'concurrency_key', type: 'text', nullable: true })
  concurrencyKey!: string | null;

  /** Attempt number of the run's current deadline timer. */
  @Column({
    name: 'deadline_timer',
    type: 'bigint',
    nullable: true,
    transformer: { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) },
  })
  deadlineTimer!: number | null;

  /** Catch handlers an error was routed to. */
  @Column({ type: 'jsonb', nullable: true })
  routed!: string[] | null;

  /** Sequence number of the last history entry; the next one is `historySeq + 1`. */
  @Column({ name: 'history_seq', type: 'int', default: 0 })
  historySeq!: number;

  /** When `sla_at_risk` was raised for this run (once); set only by claiming it, never by a transition. */
  @Column({ name: 'sla_at_risk_at', type: 'timestamptz', nullable: true })
  slaAtRiskAt!: Date | null;

  /** When `sla_breached` was raised for this run (once). */
  @Column({ name: 'sla_breached_at', type: 'timestamptz', nullable: true })
  slaBreachedAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;
}
