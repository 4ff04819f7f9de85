import { readFileSync } from 'node:fs';
import type { DeliveryStatus, DeliveryView, GlobalNotificationRuleView, NotificationRuleInput } from '@baton/sdk';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { Context } from '../context';
import { CliError } from '../errors';
import { leaf, paging } from '../options';
import { renderTable } from '../output';

/** Where a rule sends: `webhook https://…`, `nats ops.alerts`, `email a@b, c@d`. */
function targetOf(rule: GlobalNotificationRuleView): string | undefined {
  if (rule.webhook) return `webhook ${rule.webhook.url}`;
  if (rule.chat) return `chat ${rule.chat.url}`;
  if (rule.email) return `email ${rule.email.to.join(', ')}`;
  if (rule.nats) return `nats ${rule.nats.subject}`;
  return undefined;
}

interface DeliveryOptions {
  run?: string;
  workflow?: string;
  status?: DeliveryStatus;
  limit?: number;
  cursor?: string;
}

export function registerNotificationCommands(program: Command): void {
  const notifications = program.command('notifications').description('notification deliveries and global rules');

  paging(leaf(notifications, 'deliveries', 'notification deliveries, newest first, with their status and last error'))
    .option('--run <id>', 'only the deliveries of this run')
    .option('--workflow <name>', 'only the deliveries of this workflow')
    .option('--status <status>', 'pending, delivered or dead_lettered')
    .action(async (options: DeliveryOptions, command: Command) => {
      const ctx = Context.of(command);
      const { run: runId, workflow, status, limit, cursor } = options;
      const page = await ctx.client().listDeliveries({ runId, workflow, status, limit, cursor });
      ctx.printPage(page, (items: DeliveryView[]) =>
        renderTable(items, [
          { header: 'RUN', value: (d) => d.runId },
          { header: 'EVENT', value: (d) => d.event },
          { header: 'RULE', value: (d) => d.rule },
          { header: 'TARGET', value: (d) => `${d.channel} ${d.target}`, max: 50 },
          { header: 'STATUS', value: (d) => d.status },
          { header: 'ATTEMPTS', value: (d) => d.attempts },
          { header: 'LAST ERROR', value: (d) => d.lastError, max: 60 },
        ]),
      );
    });

  leaf(notifications, 'rules', 'the global notification rules').action(async (_options: object, command: Command) => {
    const ctx = Context.of(command);
    const answer = await ctx.client().listNotificationRules();
    ctx.printPage(answer, (items: GlobalNotificationRuleView[]) =>
      renderTable(items, [
        { header: 'NAME', value: (r) => r.name },
        { header: 'ON', value: (r) => r.on },
        { header: 'WORKFLOWS', value: (r) => r.workflows ?? 'all' },
        { header: 'SENDS TO', value: targetOf, max: 60 },
        { header: 'UPDATED', value: (r) => r.updatedAt },
      ]),
    );
  });

  leaf(notifications, 'set-rule <name>', 'create or replace a global rule from a YAML/JSON file: {on, workflows?, webhook|chat|email|nats}')
    .requiredOption('-f, --file <file>', 'the rule')
    .action(async (name: string, options: { file: string }, command: Command) => {
      const ctx = Context.of(command);
      let rule: NotificationRuleInput;
      try {
        rule = parseYaml(readFileSync(options.file, 'utf8')) as NotificationRuleInput;
      } catch (error) {
        throw new CliError(`cannot read ${options.file}: ${(error as Error).message}`);
      }
      const { created, ...saved } = await ctx.client().putNotificationRule(name, rule);
      ctx.printAction(saved, `${created ? 'created' : 'replaced'} rule ${saved.name}`);
    });

  leaf(notifications, 'delete-rule <name>', 'delete a global rule').action(async (name: string, _options: object, command: Command) => {
    const ctx = Context.of(command);
    await ctx.client().deleteNotificationRule(name);
    ctx.printAction({ deleted: name }, `deleted rule ${name}`);
  });
}
