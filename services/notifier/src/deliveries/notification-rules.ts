import { Injectable, Logger } from '@nestjs/common';
import { RpcProblemError } from '@baton/contracts';
import type { NotificationRule } from '@baton/dsl';
import { RpcClient } from '@baton/messaging';

/** The notification rules of each definition version, asked of the registry once: versions never change. */
@Injectable()
export class NotificationRules {
  private readonly logger = new Logger(NotificationRules.name);
  private readonly byVersion = new Map<string, readonly NotificationRule[]>();

  constructor(private readonly rpc: RpcClient) {}

  /** Throws (so the event is retried) while the registry cannot answer. */
  async of(workflow: string, version: number): Promise<readonly NotificationRule[]> {
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
      // A run of a version the registry never had: nothing to notify, and nothing retrying would fix.
      this.logger.warn(`no definition ${key} in the registry; its run events notify no one`);
      return [];
    }
  }
}
