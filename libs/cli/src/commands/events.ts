import { randomUUID } from 'node:crypto';
import type { CloudEvent, RejectedEventView } from '@baton/sdk';
import type { Command } from 'commander';
import { Context } from '../context';
import { json, leaf, paging } from '../options';
import { renderTable } from '../output';

interface PublishOptions {
  data?: unknown;
  source: string;
  id?: string;
  subject?: string;
}

/** The CloudEvents 1.0 envelope `baton events publish` sends: a fresh id unless given, the time of now. */
export function cloudEvent(type: string, options: PublishOptions, now = new Date()): CloudEvent {
  return {
    specversion: '1.0',
    id: options.id ?? randomUUID(),
    source: options.source,
    type,
    time: now.toISOString(),
    ...(options.subject === undefined ? {} : { subject: options.subject }),
    ...(options.data === undefined ? {} : { datacontenttype: 'application/json', data: options.data }),
  };
}

export function registerEventCommands(program: Command): void {
  const events = program.command('events').description('publish trigger events, list rejected ones');

  leaf(events, 'publish <type>', 'publish a CloudEvent to baton.events.<type>, as a business system would')
    .option('--data <json>', 'the event data, JSON', json)
    .option('--source <source>', 'the event source; with --id, what makes a repeated event a no-op', 'baton-cli')
    .option('--id <id>', 'the event id (default: a new UUID)')
    .option('--subject <subject>', 'the CloudEvents subject attribute')
    .action(async (type: string, options: PublishOptions, command: Command) => {
      const ctx = Context.of(command);
      const answer = await ctx.client().publishEvent(cloudEvent(type, options));
      const note = answer.duplicate ? ' (a duplicate: this source and id were published before)' : '';
      ctx.printAction(answer, `published ${answer.type} event ${answer.id} from ${answer.source}${note}`);
    });

  paging(leaf(events, 'rejected', 'events that started nothing because they were malformed, newest first')).action(
    async (options: { limit?: number; cursor?: string }, command: Command) => {
      const ctx = Context.of(command);
      const page = await ctx.client().listRejectedEvents({ limit: options.limit, cursor: options.cursor });
      ctx.printPage(page, (items: RejectedEventView[]) =>
        renderTable(items, [
          { header: 'RECEIVED', value: (e) => e.receivedAt },
          { header: 'SUBJECT', value: (e) => e.subject },
          { header: 'REASON', value: (e) => e.reason, max: 100 },
        ]),
      );
    },
  );
}
