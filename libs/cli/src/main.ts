#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { registerAuditCommand } from './commands/audit';
import { registerConfigCommands } from './commands/config';
import { registerDefinitionCommands } from './commands/definitions';
import { registerDevCommand } from './commands/dev';
import { registerEventCommands } from './commands/events';
import { registerInsightsCommand } from './commands/insights';
import { registerNotificationCommands } from './commands/notifications';
import { registerRunCommands } from './commands/runs';
import { registerScheduleCommands } from './commands/schedules';
import { Context } from './context';
import { describeError, exitCodeOf } from './errors';
import { globalOptions } from './options';

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The `baton` program: every command is a thin layer over `BatonClient` (docs/cli.md). */
function buildProgram(): Command {
  const program = new Command('baton')
    .description('Command line for the Baton admin API: definitions, runs, events, schedules, insights, notifications, audit')
    .version(version(), '-V, --version', 'print the CLI version')
    // Options after a subcommand belong to it, so `definitions get x --version 2` is not the CLI's version;
    // every subcommand takes the global options too.
    .enablePositionalOptions()
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  for (const option of globalOptions(false)) program.addOption(option);
  program.addHelpText(
    'after',
    '\nExit codes: 0 success, 1 failure (an API error, a run that did not complete, an invalid definition), 2 usage.',
  );

  registerDefinitionCommands(program);
  registerRunCommands(program);
  registerEventCommands(program);
  registerScheduleCommands(program);
  registerInsightsCommand(program);
  registerAuditCommand(program);
  registerNotificationCommands(program);
  registerDevCommand(program);
  registerConfigCommands(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  let active: Command = program;
  program.hook('preAction', (_program, actionCommand) => {
    active = actionCommand;
  });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander printed the message (or the help, or the version) already.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    let url = '';
    try {
      url = Context.of(active).settings.url;
    } catch {
      // the settings themselves are what failed
    }
    for (const line of describeError(error, url)) process.stderr.write(`${line}\n`);
    process.exitCode = exitCodeOf(error);
  }
}

// A reader that stops early (`baton runs list | head -3`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

void main(process.argv);
