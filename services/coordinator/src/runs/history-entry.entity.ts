import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'history' })
export class HistoryEntryEntity {
  @PrimaryColumn({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @PrimaryColumn({ type: 'int' })
  seq!: number;

  @Column({ type: 'text' })
  type!: string;

  @Column({ name: 'step_id', type: 'text', nullable: true })
  stepId!: string | null;

  @Column({ type: 'int', nullable: true })
  attempt!: number | null;

  @Column({ type: 'jsonb', nullable: true })
  data!: unknown;

  @Column({ type: 'timestamptz' })
  at!: Date;
}
