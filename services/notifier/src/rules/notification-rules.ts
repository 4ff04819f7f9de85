import { Injectable, Logger } from '@nestjs/common';
import { RpcProblemError } from '@baton/contracts';
import type { NotificationRule } from '@baton/dsl';
import { RpcClient } from '@baton/messaging';
import { GlobalRulesRepository } from './global-rules.repository';

/** A rule with the key that names it in delivery ids: `definition[<index>]` or `global:<name>`. */
export interface KeyedRule {
  key: string;
  rule: NotificationRule;
}

/** The rules that apply to a run: its definition version's own, then the global ones for its workflow. */
@Injectable()
export class NotificationRules {
  private readonly logger = new Logger(NotificationRules.name);
  /** Definition versions never change, so their rules are asked of the registry once. */
  private readonly byVersion = new Map<string, readonly NotificationRule[]>();

  constructor(
    private readonly rpc: RpcClient,
    private readonly globalRules: GlobalRulesRepository,
  ) {}

  /** Throws (so the event is retried) while the registry cannot answer. */
  async of(workflow: string, version: number): Promise<KeyedRule[]> {
    const own = (await this.definitionRules(workflow, version)).map((rule, index) => ({ key: `definition[${index}]`, rule }));
    const global = (await this.globalRules.forWorkflow(workflow)).map((row) => ({ key: `global:${row.name}`, rule: row.rule }));
    return [...own, ...global];
  }

  private async definitionRules(workflow: string, version: number): Promise<readonly NotificationRule[]> {
    const key = `${workflow}@${version}`;
    const known = this.byVersion.get(key);
    if (known) return known;
    try {
      const view = await this.rpc.call('baton.rpc.registry.get', { name: workflow, version });
      const rules = view.definition.notifications ?? [];
      this.byVersion.set(key, rules);
      return rules;
    } catch (error) {
      if (!(error instanceof RpcProblemError && error.problem.status === 404)) throw error;
      // A run of a version the registry never had: only global rules can apply, and retrying would not help.
      this.logger.warn(`no definition ${key} in the registry; only global rules apply to its runs`);
      return [];
    }
  }
}
