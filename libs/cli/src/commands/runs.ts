import { readFileSync } from 'node:fs';
import {
  TERMINAL_RUN_STATUSES,
  type BatonClient,
  type HistoryEntryView,
  type RunStatus,
  type RunSummary,
  type RunView,
  type WaitReason,
} from '@baton/sdk';
import { Option, type Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { Context } from '../context';
import { CliError } from '../errors';
import { duration, json, leaf, paging, positiveInteger } from '../options';
import { cell, elapsed, renderFields, renderTable } from '../output';
import { RunProgress } from '../progress';

/** Between two reads of a run `baton run --wait` follows. */
const POLL_MS = 250;

interface RunOptions {
  input?: unknown;
  inputFile?: string;
  version?: number;
  idempotencyKey?: string;
  wait?: boolean;
  timeout: number;
}

/** How a run's trigger reads in a table: `api`, `event order.created`, `schedule nightly.0`, `workflow <parent>`. */
function triggerOf(run: RunSummary): string {
  const trigger = run.trigger;
  switch (trigger.kind) {
    case 'event':
      return `event ${trigger.eventType}`;
    case 'schedule':
      return `schedule ${trigger.scheduleId}`;
    case 'workflow':
      return `workflow ${trigger.parentRunId}`;
    default:
      return trigger.kind;
  }
}

/** One line per thing a run waits for, saying what would end the wait. */
export function describeWait(runId: string, reason: WaitReason): string {
  switch (reason.kind) {
    case 'timer':
      return `timer: step ${reason.stepId} (${reason.reason})${reason.until ? ` until ${reason.until}` : ''}`;
    case 'event':
      return `event: step ${reason.stepId} waits for ${reason.eventType}${reason.match ? ` where ${reason.match}` : ''}`;
    case 'approval':
      return `approval: step ${reason.stepId}; decide with: baton runs signal ${runId} ${reason.signal} --decision approved|rejected`;
    case 'concurrency':
      return `concurrency: ${reason.limit} runs with key ${reason.key} are active`;
    case 'worker':
      return `worker: step ${reason.stepId}, attempt ${reason.attempt}, on task type ${reason.taskType}`;
    case 'executor':
      return `executor: step ${reason.stepId} (${reason.stepType}), attempt ${reason.attempt}`;
    case 'child':
      return `child run: step ${reason.stepId} waits for run ${reason.childRunId}`;
    case 'paused':
      return `paused: resume with: baton runs resume ${runId}`;
  }
}

/** `baton runs get --output table`: the run, its steps, and what it waits for. */
export function renderRun(run: RunView): string {
  const fields = renderFields({
    id: run.id,
    workflow: `${run.workflow} v${run.version}`,
    status: run.status,
    trigger: triggerOf(run),
    created: run.createdAt,
    started: run.startedAt,
    ended: run.endedAt,
    took: run.endedAt ? elapsed(run.startedAt, run.endedAt) : undefined,
    'parent run': run.parentRunId,
    trace: run.traceId,
    input: run.input,
    output: run.output,
    error: run.error ? errorOf(run) : undefined,
  });
  const steps = renderTable(run.steps, [
    { header: 'STEP', value: (s) => s.id },
    { header: 'TYPE', value: (s) => s.type },
    { header: 'STATUS', value: (s) => s.status },
    { header: 'ATTEMPTS', value: (s) => s.attempts },
    { header: 'TOOK', value: (s) => (s.endedAt ? elapsed(s.startedAt, s.endedAt) : undefined) },
    { header: 'COMPENSATION', value: (s) => s.compensation?.status },
    { header: 'ERROR', value: (s) => s.error?.message, max: 80 },
  ]);
  const waits = (run.waitingFor ?? []).map((reason) => `  ${describeWait(run.id, reason)}`);
  return [fields, '', steps, ...(waits.length > 0 ? ['', 'waiting for:', ...waits] : [])].join('\n');
}

/** A run's error, naming its step unless the message does. */
function errorOf({ error }: RunView): string | undefined {
  if (!error) return undefined;
  return error.stepId && !error.message.includes(error.stepId) ? `${error.message} (step ${error.stepId})` : error.message;
}

/** The end of `baton run --wait`: the status, and the output or the error. */
function outcome(run: RunView): string {
  const lines = [`run ${run.id} ${run.status}${run.endedAt ? ` in ${elapsed(run.startedAt ?? run.createdAt, run.endedAt)}` : ''}`];
  if (run.output !== undefined) lines.push(`output: ${cell(run.output)}`);
  if (run.error) lines.push(`error: ${errorOf(run)}`);
  return lines.join('\n');
}

/**
 * Reads the run every {@link POLL_MS} until it ends, showing each step change on the way unless
 * `progress` is undefined; throws a CliError once `timeoutMs` has passed.
 */
async function follow(client: BatonClient, id: string, timeoutMs: number, progress?: RunProgress): Promise<RunView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await client.getRun(id);
    progress?.update(run);
    if (TERMINAL_RUN_STATUSES.includes(run.status)) return run;
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new CliError(`run ${id} is still ${run.status} after --timeout; see baton runs get ${id}`);
    await new Promise((done) => setTimeout(done, Math.min(POLL_MS, remaining)));
  }
}

function runInput(options: RunOptions): unknown {
  if (options.input !== undefined && options.inputFile !== undefined) throw new CliError('give --input or --input-file, not both', 2);
  if (options.inputFile === undefined) return options.input ?? {};
  try {
    return parseYaml(readFileSync(options.inputFile, 'utf8')) as unknown; // YAML, or JSON (which YAML reads too)
  } catch (error) {
    throw new CliError(`cannot read --input-file ${options.inputFile}: ${(error as Error).message}`);
  }
}

export function registerRunCommands(program: Command): void {
  leaf(program, 'run <workflow>', 'start a run; with --wait, show its steps as they go, exit 0 once it completed and 1 otherwise')
    .option('--input <json>', 'the run input, JSON (default {})', json)
    .option('--input-file <file>', 'the run input from a JSON or YAML file')
    .option('--version <n>', 'run this version instead of the latest', positiveInteger)
    .option('--idempotency-key <key>', 'a repeated key returns the run the first request started')
    .option('--wait', 'follow the run until it ends: each step change as it happens, then the outcome')
    .addOption(
      new Option('--timeout <duration>', 'with --wait: give up (exit 1) after this long').argParser(duration).default(60_000, '60s'),
    )
    .action(async (workflow: string, options: RunOptions, command: Command) => {
      const ctx = Context.of(command);
      const client = ctx.client();
      const input = runInput(options);
      const started = await client.startRun({ workflow, version: options.version, input, idempotencyKey: options.idempotencyKey });
      const { created, ...run } = started;
      const line = created
        ? `started run ${run.id} (${run.workflow} v${run.version}): ${run.status}`
        : `run ${run.id} was started before with this idempotency key: ${run.status}`;
      if (!options.wait) return ctx.printAction(run, line);
      ctx.note(line);
      // The live view is for people: `--output json` prints only the run it ends with.
      const progress =
        ctx.options.output === 'json'
          ? undefined
          : new RunProgress((text) => process.stdout.write(text), process.stdout.isTTY === true, process.stdout.columns);
      const ended = await follow(client, run.id, options.timeout, progress);
      ctx.printAction(ended, outcome(ended));
      if (ended.status !== 'completed') process.exitCode = 1;
    });

  const runs = program.command('runs').description('list, read and operate runs');

  paging(leaf(runs, 'list', 'runs, newest first'))
    .option('--workflow <name>', 'only runs of this workflow')
    .option('--status <status>', 'only runs with this status (pending, running, paused, completed, failed, …)')
    .action(async (options: { workflow?: string; status?: RunStatus; limit?: number; cursor?: string }, command: Command) => {
      const ctx = Context.of(command);
      const { workflow, status, limit, cursor } = options;
      const page = await ctx.client().listRuns({ workflow, status, limit, cursor });
      ctx.printPage(page, (items: RunSummary[]) =>
        renderTable(items, [
          { header: 'ID', value: (r) => r.id },
          { header: 'WORKFLOW', value: (r) => `${r.workflow} v${r.version}` },
          { header: 'STATUS', value: (r) => r.status },
          { header: 'TRIGGER', value: triggerOf, max: 40 },
          { header: 'CREATED', value: (r) => r.createdAt },
          { header: 'TOOK', value: (r) => (r.endedAt ? elapsed(r.startedAt, r.endedAt) : undefined) },
          { header: 'ERROR', value: (r) => r.error?.message, max: 60 },
        ]),
      );
    });

  leaf(runs, 'get <id>', 'a run with its steps and what it waits for').action(async (id: string, _options: object, command: Command) => {
    const ctx = Context.of(command);
    const run = await ctx.client().getRun(id);
    ctx.printObject(run, () => renderRun(run));
  });

  paging(leaf(runs, 'history <id>', "a run's transitions, oldest first")).action(
    async (id: string, options: { limit?: number; cursor?: string }, command: Command) => {
      const ctx = Context.of(command);
      const page = await ctx.client().runHistory(id, { limit: options.limit, cursor: options.cursor });
      ctx.printPage(page, (items: HistoryEntryView[]) =>
        renderTable(items, [
          { header: 'SEQ', value: (e) => e.seq },
          { header: 'AT', value: (e) => e.at },
          { header: 'TYPE', value: (e) => e.type },
          { header: 'STEP', value: (e) => e.stepId },
          { header: 'ATTEMPT', value: (e) => e.attempt },
          { header: 'DATA', value: (e) => e.data, max: 80 },
        ]),
      );
    },
  );

  leaf(runs, 'cancel <id>', 'cancel a run (compensating first when its definition says so)')
    .option('--reason <text>', 'why, kept in the run history')
    .action(async (id: string, options: { reason?: string }, command: Command) => {
      const ctx = Context.of(command);
      const run = await ctx.client().cancelRun(id, options.reason);
      ctx.printAction(run, `run ${run.id}: ${run.status}`);
    });

  const operations = [
    ['retry', 'resume a failed run from its failed steps, under the same id'],
    ['pause', 'start no new step of a running run until it is resumed'],
    ['resume', 'resume a paused run'],
  ] as const;
  for (const [operation, description] of operations) {
    leaf(runs, `${operation} <id>`, description).action(async (id: string, _options: object, command: Command) => {
      const ctx = Context.of(command);
      const client = ctx.client();
      const run = await (operation === 'retry' ? client.retryRun(id) : operation === 'pause' ? client.pauseRun(id) : client.resumeRun(id));
      ctx.printAction(run, `run ${run.id}: ${run.status}`);
    });
  }

  leaf(runs, 'signal <id> <name>', 'decide the approval step <name> of a run')
    .addOption(new Option('--decision <decision>', 'the decision').choices(['approved', 'rejected']).makeOptionMandatory())
    .option('--by <who>', 'who decided')
    .option('--comment <text>', 'why')
    .action(
      async (id: string, name: string, options: { decision: 'approved' | 'rejected'; by?: string; comment?: string }, command: Command) => {
        const ctx = Context.of(command);
        const run = await ctx.client().signalRun(id, name, { decision: options.decision, by: options.by, comment: options.comment });
        ctx.printAction(run, `run ${run.id}: ${name} ${options.decision}; the run is ${run.status}`);
      },
    );
}
