import { parseDuration } from '@baton/dsl';
import { Command, InvalidArgumentError, Option } from 'commander';
import { OUTPUT_FORMATS } from './output';

/** `--url`, `--api-key`, `--profile` and `--output`, accepted by every command (shown once, in `baton --help`). */
export function globalOptions(hidden: boolean): Option[] {
  const options = [
    new Option('--url <url>', 'admin API URL (default: --profile, then BATON_URL, then the current profile, then http://127.0.0.1:8080)'),
    new Option('--api-key <key>', 'API key, sent as a bearer token (default: --profile, then BATON_API_KEY, then the current profile)'),
    new Option('--profile <name>', 'take the URL and the key from this profile (baton config list)'),
    new Option('-o, --output <format>', 'json or table (default: a table for lists, JSON for one object, a line for an action)').choices(
      OUTPUT_FORMATS,
    ),
  ];
  return hidden ? options.map((option) => option.hideHelp()) : options;
}

/** A subcommand that also takes the global options after its own arguments. */
export function leaf(parent: Command, nameAndArgs: string, description: string): Command {
  const command = parent.command(nameAndArgs).description(description);
  for (const option of globalOptions(true)) command.addOption(option);
  return command.addHelpText('after', '\nAlso takes the global options --url, --api-key, --profile and -o/--output (baton --help).');
}

export function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1) throw new InvalidArgumentError('not a positive integer');
  return number;
}

/** `500ms`, `30s`, `5m`, `1h`, `2d` or `1h30m`, as in definitions; milliseconds. */
export function duration(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError('not a duration such as 30s, 5m, 1h or 1h30m');
  return ms;
}

export function json(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new InvalidArgumentError(`not JSON (${(error as Error).message})`);
  }
}

/** `--limit` and `--cursor` of the paginated lists. */
export function paging(command: Command): Command {
  return command
    .option('--limit <n>', 'items per page (1 to 500, default 50)', positiveInteger)
    .option('--cursor <cursor>', 'the page after the one that printed this cursor');
}
