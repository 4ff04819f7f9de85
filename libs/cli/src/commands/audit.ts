import type { AuditRecord } from '@baton/sdk';
import type { Command } from 'commander';
import { Context } from '../context';
import { leaf, paging } from '../options';
import { renderTable } from '../output';

export function registerAuditCommand(program: Command): void {
  paging(leaf(program, 'audit', 'every mutating call and every denied one, newest first (admin keys only)')).action(
    async (options: { limit?: number; cursor?: string }, command: Command) => {
      const ctx = Context.of(command);
      const page = await ctx.client().listAudit({ limit: options.limit, cursor: options.cursor });
      ctx.printPage(page, (items: AuditRecord[]) =>
        renderTable(items, [
          { header: 'AT', value: (r) => r.at },
          { header: 'PRINCIPAL', value: (r) => r.principal },
          { header: 'ROLE', value: (r) => r.role },
          { header: 'CALL', value: (r) => `${r.method} ${r.path}`, max: 70 },
          { header: 'OUTCOME', value: (r) => r.outcome },
          { header: 'STATUS', value: (r) => r.status },
          { header: 'REASON', value: (r) => r.reason, max: 60 },
        ]),
      );
    },
  );
}
