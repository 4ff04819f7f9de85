import type { WorkflowDefinition } from '@baton/dsl';
import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** One immutable version of a workflow definition. */
@Entity({ name: 'definitions' })
export class DefinitionEntity {
  @PrimaryColumn({ type: 'text' })
  name!: string;

  @PrimaryColumn({ type: 'int' })
  version!: number;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'jsonb' })
  document!: WorkflowDefinition;

  /** SHA-256 of the normalised definition: re-registering identical content is a no-op. */
  @Column({ name: 'content_hash', type: 'text' })
  contentHash!: string;

  /** Event types this version's triggers listen to, for trigger matching. */
  @Column({ name: 'event_types', type: 'text', array: true })
  eventTypes!: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
