import type { Command } from 'commander';
import { Context } from '../context';
import { describeError } from '../errors';
import { leaf } from '../options';

export function registerDevCommand(program: Command): void {
  leaf(program, 'dev', 'how to start the platform locally, and whether it is up at the URL (exit 0 when ready)').action(
    async (_options: object, command: Command) => {
      const ctx = Context.of(command);
      const { url } = ctx.settings;
      ctx.out(
        [
          'Start the whole platform in one process from the repository root, with PostgreSQL (user postgres)',
          'and NATS with JetStream (nats-server -js) running on their default local ports:',
          '',
          '  npm install && npm start',
          '',
          'It serves the admin API on http://127.0.0.1:8080 (OpenAPI at /docs) and stops on Ctrl-C.',
          'Settings are environment variables (README.md, "Get started"); with BATON_API_KEYS set, every call needs a key.',
          '',
        ].join('\n'),
      );
      try {
        const readiness = await ctx.client().readiness();
        const checks = Object.entries(readiness.details).map(([name, check]) => `${name} ${check.status}`);
        ctx.out(`${url}: ${readiness.ready ? 'ready' : 'up, but not ready'} (${checks.join(', ')})`);
        if (!readiness.ready) process.exitCode = 1;
      } catch (error) {
        ctx.out(`${url}: not running: ${describeError(error, url)[0].replace(/^error: /, '')}`);
        process.exitCode = 1;
      }
    },
  );
}
