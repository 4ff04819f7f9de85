import { Injectable } from '@nestjs/common';
import { RpcProblemError, type GlobalNotificationRuleView, type RpcReplyValue, type RpcRequest } from '@baton/contracts';
import { validateNotificationRule, WORKFLOW_NAME_PATTERN, type FieldError } from '@baton/dsl';
import { RpcHandler } from '@baton/messaging';
import type { GlobalRuleEntity } from './global-rule.entity';
import { GlobalRulesRepository } from './global-rules.repository';

const RULE_NAME = /^[a-z0-9][a-z0-9-]{0,99}$/;

/** Global notification rules over request/reply: a thin adapter to the repository, with the language's rule check. */
@Injectable()
export class RulesRpcHandler {
  constructor(private readonly rules: GlobalRulesRepository) {}

  @RpcHandler('baton.rpc.notifier.put-rule')
  async put(request: RpcRequest<'baton.rpc.notifier.put-rule'>): Promise<RpcReplyValue<'baton.rpc.notifier.put-rule'>> {
    const errors: FieldError[] = [];
    if (!RULE_NAME.test(request.name)) {
      errors.push({ path: 'name', message: `name must match ${RULE_NAME.source} (lowercase letters, digits and '-')` });
    }
    const rule = validateNotificationRule(request.rule, '', errors, ['workflows']);
    const workflows = workflowsOf(request.rule, errors);
    if (errors.length > 0 || rule === undefined) throw RpcProblemError.invalid('the notification rule is not valid', errors);
    const { created, entity } = await this.rules.put(request.name, rule, workflows);
    return { created, rule: toView(entity) };
  }

  @RpcHandler('baton.rpc.notifier.list-rules')
  async list(): Promise<RpcReplyValue<'baton.rpc.notifier.list-rules'>> {
    return { items: (await this.rules.all()).map(toView) };
  }

  @RpcHandler('baton.rpc.notifier.delete-rule')
  async delete(request: RpcRequest<'baton.rpc.notifier.delete-rule'>): Promise<RpcReplyValue<'baton.rpc.notifier.delete-rule'>> {
    if (!(await this.rules.delete(request.name))) throw RpcProblemError.notFound(`no notification rule ${request.name}`);
    return { deleted: true };
  }
}

function workflowsOf(raw: unknown, errors: FieldError[]): string[] | undefined {
  const workflows = (raw as { workflows?: unknown } | null)?.workflows;
  if (workflows === undefined) return undefined;
  if (
    !Array.isArray(workflows) ||
    workflows.length === 0 ||
    workflows.some((w) => typeof w !== 'string' || !WORKFLOW_NAME_PATTERN.test(w))
  ) {
    errors.push({ path: 'workflows', message: 'workflows must be a non-empty list of workflow names' });
    return undefined;
  }
  return workflows as string[];
}

function toView(entity: GlobalRuleEntity): GlobalNotificationRuleView {
  return {
    name: entity.name,
    ...entity.rule,
    ...(entity.workflows === null ? {} : { workflows: entity.workflows }),
    createdAt: entity.createdAt.toISOString(),
    updatedAt: entity.updatedAt.toISOString(),
  };
}
