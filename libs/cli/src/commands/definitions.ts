import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parseDefinitionText, validateDefinition } from '@baton/dsl';
import { BatonApiError, type BatonClient, type DefinitionSummary } from '@baton/sdk';
import type { Command } from 'commander';
import { isScalar, parseAllDocuments, stringify } from 'yaml';
import { Context } from '../context';
import { CliError } from '../errors';
import { leaf, paging, positiveInteger } from '../options';
import { renderFields, renderTable } from '../output';

const DEFINITION_FILE = /\.(ya?ml|json)$/i;

/** One definition to send: a file, or one document of a multi-document YAML file (`file#2`). */
export interface DefinitionSource {
  label: string;
  text: string;
}

/** The definitions in a file, or in every `.yaml`, `.yml` and `.json` file of a folder (not its subfolders), in name order. */
export function readDefinitionSources(path: string): DefinitionSource[] {
  let files: string[];
  try {
    files = statSync(path).isDirectory()
      ? readdirSync(path)
          .filter((name) => DEFINITION_FILE.test(name))
          .sort()
          .map((name) => join(path, name))
      : [path];
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (files.length === 0) throw new CliError(`no .yaml, .yml or .json file in ${path}`);
  return files.flatMap((file) => splitDocuments(file, readFileSync(file, 'utf8')));
}

/** YAML documents separated by `---` are sent one by one, as written; anything else is sent whole, for the API to parse. */
function splitDocuments(file: string, text: string): DefinitionSource[] {
  if (extname(file).toLowerCase() === '.json') return [{ label: file, text }];
  const documents = parseAllDocuments(text);
  const nonEmpty = Array.from(documents).filter(
    ({ contents }) => contents !== null && !(isScalar(contents) && (contents.value === null || contents.value === '')),
  );
  if (nonEmpty.length <= 1) return [{ label: file, text }];
  return nonEmpty.map((document, index) => ({ label: `${file}#${index + 1}`, text: text.slice(document.range[0], document.range[2]) }));
}

/** An invalid definition is reported and the others still go; any other failure (no key, no platform) stops. */
function invalidLines(source: DefinitionSource, error: unknown): string[] {
  if (!(error instanceof BatonApiError) || error.status !== 400) throw error;
  return [
    `${source.label}: ${error.detail ?? error.title}`,
    ...error.errors.map((field) => `  ${field.path || '(document)'}: ${field.message}`),
  ];
}

/** JSON with object keys sorted and `undefined` left out, as the registry hashes a definition to tell whether it changed. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What `apply` would do with a definition the API found valid: a new version (which), nothing, or, unknown, register it. */
export interface Planned {
  name?: string;
  version?: number;
  created?: boolean;
}

/**
 * Works out what registering a valid definition would do, as the registry does: the normalised
 * definition against the latest registered version. Without a name, or when the latest version
 * cannot be read, it says only what it knows.
 */
async function plan(client: BatonClient, source: DefinitionSource): Promise<Planned> {
  const parsed = parseDefinitionText(source.text, 'yaml');
  if (!parsed.ok) return {};
  const validated = validateDefinition(parsed.document);
  const name = (parsed.document as { name?: unknown } | null)?.name;
  if (!validated.ok || typeof name !== 'string') return typeof name === 'string' ? { name } : {};
  try {
    const latest = await client.getDefinition(name);
    const unchanged = canonicalJson(latest.definition) === canonicalJson(JSON.parse(JSON.stringify(validated.definition)));
    return { name, version: unchanged ? latest.version : latest.version + 1, created: !unchanged };
  } catch (error) {
    if (error instanceof BatonApiError && error.status === 404) return { name, version: 1, created: true };
    if (error instanceof BatonApiError && error.status === 403) return { name };
    throw error;
  }
}

function plannedLine(source: DefinitionSource, planned: Planned): string {
  const what = planned.version === undefined ? (planned.name ?? '(no name)') : `${planned.name} v${planned.version}`;
  const verb = planned.created === undefined ? 'would register' : planned.created ? 'would create' : 'unchanged';
  return `${verb.padEnd(12)}  ${what}  (${source.label})`;
}

export function registerDefinitionCommands(program: Command): void {
  leaf(program, 'apply', 'register the definitions of a YAML/JSON file, or of every such file in a folder')
    .requiredOption('-f, --file <path>', 'a definition file, or a folder of them')
    .option('--dry-run', 'validate every definition and say what would be registered, registering nothing')
    .action(async (options: { file: string; dryRun?: boolean }, command: Command) => {
      const ctx = Context.of(command);
      const client = ctx.client();
      const results: object[] = [];
      const lines: string[] = [];
      for (const source of readDefinitionSources(options.file)) {
        try {
          if (options.dryRun) {
            await client.validateDefinition(source.text);
            const planned = await plan(client, source);
            results.push({ file: source.label, valid: true, ...planned });
            lines.push(plannedLine(source, planned));
            continue;
          }
          const { name, version, created } = await client.registerDefinition(source.text);
          results.push({ file: source.label, name, version, created });
          lines.push(`${created ? 'created  ' : 'unchanged'}  ${name} v${version}  (${source.label})`);
        } catch (error) {
          results.push({ file: source.label, error: error instanceof BatonApiError ? error.problem : String(error) });
          for (const line of invalidLines(source, error)) ctx.note(line);
          process.exitCode = 1;
        }
      }
      if (lines.length > 0 || ctx.options.output === 'json') ctx.printAction(results, lines.join('\n'));
      if (options.dryRun) ctx.note('dry run: nothing was registered');
    });

  leaf(program, 'validate', 'check definitions without registering them; exit 1 listing each error with its path')
    .requiredOption('-f, --file <path>', 'a definition file, or a folder of them')
    .action(async (options: { file: string }, command: Command) => {
      const ctx = Context.of(command);
      const client = ctx.client();
      for (const source of readDefinitionSources(options.file)) {
        try {
          await client.validateDefinition(source.text);
          ctx.out(`valid  ${source.label}`);
        } catch (error) {
          for (const line of invalidLines(source, error)) ctx.note(line);
          process.exitCode = 1;
        }
      }
    });

  const definitions = program.command('definitions').description('registered workflow definitions');

  paging(leaf(definitions, 'list', 'every workflow with its latest version, by name')).action(
    async (options: { limit?: number; cursor?: string }, command: Command) => {
      const ctx = Context.of(command);
      const page = await ctx.client().listDefinitions({ limit: options.limit, cursor: options.cursor });
      ctx.printPage(page, (items: DefinitionSummary[]) =>
        renderTable(items, [
          { header: 'NAME', value: (d) => d.name },
          { header: 'LATEST', value: (d) => d.latestVersion },
          { header: 'UPDATED', value: (d) => d.updatedAt },
          { header: 'DESCRIPTION', value: (d) => d.description, max: 60 },
        ]),
      );
    },
  );

  leaf(definitions, 'get <name>', 'a definition: its latest version, or --version N')
    .option('--version <n>', 'this version instead of the latest', positiveInteger)
    .action(async (name: string, options: { version?: number }, command: Command) => {
      const ctx = Context.of(command);
      const view = await ctx.client().getDefinition(name, options.version);
      ctx.printObject(view, () =>
        [
          renderFields({ name: view.name, version: view.version, description: view.description, created: view.createdAt }),
          '',
          stringify(view.definition).trimEnd(),
        ].join('\n'),
      );
    });
}
