import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { NotificationRule } from '@baton/dsl';
import type { Repository } from 'typeorm';
import { GlobalRuleEntity } from './global-rule.entity';

/** The only code that reads or writes the global notification rules. */
@Injectable()
export class GlobalRulesRepository {
  constructor(@InjectRepository(GlobalRuleEntity, 'notifier') private readonly rules: Repository<GlobalRuleEntity>) {}

  /** Creates or replaces the rule; `created` is false when one of that name existed. */
  async put(
    name: string,
    rule: NotificationRule,
    workflows: string[] | undefined,
  ): Promise<{ created: boolean; entity: GlobalRuleEntity }> {
    const existed = await this.rules.existsBy({ name });
    await this.rules.upsert({ name, rule, workflows: workflows ?? null, updatedAt: new Date() }, ['name']);
    return { created: !existed, entity: await this.rules.findOneByOrFail({ name }) };
  }

  all(): Promise<GlobalRuleEntity[]> {
    return this.rules.find({ order: { name: 'ASC' } });
  }

  /** The rules that apply to runs of `workflow`. */
  async forWorkflow(workflow: string): Promise<GlobalRuleEntity[]> {
    return this.rules
      .createQueryBuilder('r')
      .where('r.workflows IS NULL OR :workflow = ANY(r.workflows)', { workflow })
      .orderBy('r.name')
      .getMany();
  }

  async delete(name: string): Promise<boolean> {
    return ((await this.rules.delete({ name })).affected ?? 0) > 0;
  }
}
