import type { WorkflowDefinition } from '@baton/dsl';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The coordinator's own copy of each definition version a run started on; versions never change. */
@Entity({ name: 'definitions' })
export class PinnedDefinitionEntity {
  @PrimaryColumn({ type: 'text' })
  name!: string;

  @PrimaryColumn({ type: 'int' })
  version!: number;

  @Column({ type: 'jsonb' })
  document!: WorkflowDefinition;
}
