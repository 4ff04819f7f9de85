import { BatonClient, type Page } from '@baton/sdk';
import type { Command } from 'commander';
import { renderJson, type OutputFormat } from './output';
import { configPath, readConfig, resolveSettings, type Settings } from './profiles';

/** The options every command takes (docs/cli.md, "Global options"). */
export type GlobalOptions = {
  url?: string;
  apiKey?: string;
  profile?: string;
  output?: OutputFormat;
};

/** What a command runs with: the resolved URL and key, a client, and how to print. */
export class Context {
  private resolved?: Settings;

  constructor(
    readonly options: GlobalOptions,
    readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  static of(command: Command): Context {
    return new Context(command.optsWithGlobals<GlobalOptions>());
  }

  get configPath(): string {
    return configPath(this.env);
  }

  get settings(): Settings {
    this.resolved ??= resolveSettings({
      flags: { url: this.options.url, apiKey: this.options.apiKey, profile: this.options.profile },
      env: this.env,
      config: readConfig(this.configPath),
    });
    return this.resolved;
  }

  client(): BatonClient {
    return new BatonClient({ baseUrl: this.settings.url, apiKey: this.settings.apiKey });
  }

  /** `--output`, or the default of this kind of answer: a table for lists, JSON for a single object, a line for an action. */
  format(fallback: OutputFormat): OutputFormat {
    return this.options.output ?? fallback;
  }

  /** A single object: JSON unless `--output table` asks for `table()`. */
  printObject(value: unknown, table: () => string): void {
    this.out(this.format('json') === 'table' ? table() : renderJson(value));
  }

  /** A page of a list: a table unless `--output json`; the next page's cursor as a hint on stderr. */
  printPage<T>(page: Page<T> | { items: T[] }, table: (items: T[]) => string): void {
    if (this.format('table') === 'json') return this.out(renderJson(page));
    this.out(table(page.items));
    const next = 'nextCursor' in page ? page.nextCursor : null;
    if (next) this.note(`more: add --cursor ${next}`);
  }

  /** The outcome of an action: `line` unless `--output json` asks for `value`. */
  printAction(value: unknown, line: string): void {
    this.out(this.options.output === 'json' ? renderJson(value) : line);
  }

  /** Data, on stdout. */
  out(text: string): void {
    process.stdout.write(`${text}\n`);
  }

  /** Progress and hints, on stderr, so stdout stays parseable. */
  note(text: string): void {
    process.stderr.write(`${text}\n`);
  }
}
