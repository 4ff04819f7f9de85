import type { ScheduleView } from '@baton/sdk';
import type { Command } from 'commander';
import { Context } from '../context';
import { leaf } from '../options';
import { renderTable } from '../output';

export function registerScheduleCommands(program: Command): void {
  const schedules = program.command('schedules').description('cron schedules: list, pause, resume, trigger, backfill');

  leaf(schedules, 'list', 'every schedule with its next fire time')
    .option('--workflow <name>', 'only the schedules of this workflow')
    .action(async (options: { workflow?: string }, command: Command) => {
      const ctx = Context.of(command);
      const answer = await ctx.client().listSchedules(options.workflow);
      ctx.printPage(answer, (items: ScheduleView[]) =>
        renderTable(items, [
          { header: 'ID', value: (s) => s.id },
          { header: 'VERSION', value: (s) => s.version },
          { header: 'SCHEDULE', value: (s) => s.schedule },
          { header: 'TIMEZONE', value: (s) => s.timezone },
          { header: 'PAUSED', value: (s) => (s.paused ? 'yes' : 'no') },
          { header: 'NEXT FIRE', value: (s) => s.nextFireAt },
          { header: 'LAST FIRE', value: (s) => s.lastFireAt },
          { header: 'LAST RUN', value: (s) => s.lastRunId },
        ]),
      );
    });

  for (const operation of ['pause', 'resume'] as const) {
    const description = operation === 'pause' ? 'stop firing until resumed' : 'fire again, from the next fire time after now';
    leaf(schedules, `${operation} <id>`, description).action(async (id: string, _options: object, command: Command) => {
      const ctx = Context.of(command);
      const client = ctx.client();
      const schedule = await (operation === 'pause' ? client.pauseSchedule(id) : client.resumeSchedule(id));
      const next = schedule.nextFireAt ? `; next fire ${schedule.nextFireAt}` : '';
      ctx.printAction(schedule, `schedule ${schedule.id} ${schedule.paused ? 'paused' : 'active'}${next}`);
    });
  }

  leaf(schedules, 'trigger <id>', 'start one run of the schedule now').action(async (id: string, _options: object, command: Command) => {
    const ctx = Context.of(command);
    const answer = await ctx.client().triggerSchedule(id);
    ctx.printAction(
      answer,
      answer.runIds.length > 0 ? `started run ${answer.runIds.join(', ')}` : 'no run started (see the scheduler log)',
    );
  });

  leaf(schedules, 'backfill <id>', 'start one run per fire time in [--from, --to] (RFC 3339; at most 1000)')
    .requiredOption('--from <instant>', 'first fire time to cover, e.g. 2026-11-16T00:00:00Z')
    .requiredOption('--to <instant>', 'last fire time to cover, included')
    .action(async (id: string, options: { from: string; to: string }, command: Command) => {
      const ctx = Context.of(command);
      const answer = await ctx.client().backfillSchedule(id, options.from, options.to);
      ctx.printAction(answer, [`${answer.runIds.length} run(s)`, ...answer.runIds].join('\n'));
    });
}
