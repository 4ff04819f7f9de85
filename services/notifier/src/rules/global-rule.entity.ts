import type { NotificationRule } from '@baton/dsl';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A notification rule for every workflow (or the listed ones), managed through `/v1/notifications/rules`. */
@Entity({ name: 'global_rules' })
export class GlobalRuleEntity {
  @PrimaryColumn({ type: 'text' })
  name!: string;

  /** Only runs of these workflows; null for all. */
  @Column({ type: 'text', array: true, nullable: true })
  workflows!: string[] | null;

  @Column({ type: 'jsonb' })
  rule!: NotificationRule;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
