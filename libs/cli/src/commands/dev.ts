import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { Context } from '../context';
import { CliError, describeError } from '../errors';
import { leaf } from '../options';

/** Between two reads of `/health/ready` while the platform starts. */
const READY_POLL_MS = 250;

/** The all-in-one platform of the checkout this CLI was built in: `libs/cli/dist` → `services/all-in-one/dist/main.js`. */
export function allInOneMain(cliDist = resolve(__dirname, '..')): string {
  return resolve(cliDist, '../../../services/all-in-one/dist/main.js');
}

const LOOPBACK = ['127.0.0.1', '::1', 'localhost'];

/**
 * Where the platform started with `env` serves the admin API, as seen from this machine: port
 * BATON_HTTP_PORT (default 8080) on BATON_HTTP_HOST, on 127.0.0.1 for a wildcard address, and on
 * 127.0.0.1 too for any other address without API keys or OIDC (the gateway then binds to loopback).
 */
export function apiUrlOf(env: NodeJS.ProcessEnv): string {
  const port = env['BATON_HTTP_PORT'] || '8080';
  const host = env['BATON_HTTP_HOST'] || '127.0.0.1';
  const secured = Boolean(env['BATON_API_KEYS'] || env['BATON_OIDC_JWKS_URL']);
  const bound = secured || LOOPBACK.includes(host) ? host : '127.0.0.1';
  const reachable = bound === '0.0.0.0' || bound === '::' ? '127.0.0.1' : bound;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

/** Whether GET /health/ready answers 200 within a second or two. */
async function ready(url: string, signal?: AbortSignal): Promise<boolean> {
  try {
    const timeout = AbortSignal.timeout(2_000);
    const response = await fetch(`${url}/health/ready`, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Whether anything answers HTTP at the URL. */
async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

/**
 * `baton dev`: runs the all-in-one platform in the foreground with this environment and the
 * terminal's output, says where the API is once it is ready, and passes Ctrl-C (SIGINT), SIGTERM
 * and a hang-up (as SIGTERM) on to it. Resolves with its exit code.
 */
async function startPlatform(ctx: Context, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const main = allInOneMain();
  if (!existsSync(main)) {
    throw new CliError(`${main} is missing: build the platform with \`npm run build\` (or build and start it with \`npm start\`)`);
  }
  const url = apiUrlOf(env);
  if (await answers(url)) {
    throw new CliError(
      `something already answers at ${url}: is the platform running (baton dev --check)? Set BATON_HTTP_PORT to start another`,
    );
  }
  ctx.note(`starting the Baton platform (${main}); Ctrl-C stops it`);
  // In a process group of its own, so that only this process receives the terminal's Ctrl-C and
  // the platform receives it once, from here: a second one would stop it before its shutdown ends.
  const child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });

  let interrupts = 0;
  const forward = (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (signal === 'SIGINT' && interrupts++ === 0) ctx.note('stopping the platform (Ctrl-C again stops it at once)');
    child.kill(signal === 'SIGHUP' ? 'SIGTERM' : signal);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, forward);

  const stopped = new AbortController();
  const exited = new Promise<number>((done, fail) => {
    child.once('error', fail);
    child.once('exit', (code, signal) => done(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  }).finally(() => {
    stopped.abort();
    for (const signal of signals) process.off(signal, forward);
  });

  let announced = false;
  void (async () => {
    while (!stopped.signal.aborted) {
      if (await ready(url, stopped.signal)) {
        if (stopped.signal.aborted) return;
        announced = true;
        ctx.note(`Baton is ready: the admin API is at ${url} (OpenAPI at ${url}/docs)`);
        if (url !== currentUrl(ctx)) ctx.note(`for the other commands: export BATON_URL=${url} (or pass --url ${url})`);
        return;
      }
      await sleep(READY_POLL_MS, undefined, { signal: stopped.signal }).catch(() => undefined);
    }
  })();

  const code = await exited;
  // 78 (EX_CONFIG): the platform has said which setting is wrong.
  if (!announced && interrupts === 0 && code !== 0 && code !== 78) {
    ctx.note(
      `the platform exited with code ${code} before it was ready; is PostgreSQL up at DATABASE_URL and NATS with JetStream at NATS_URL?`,
    );
  }
  return code;
}

/** The URL the other commands would use, or none when the settings cannot be read. */
function currentUrl(ctx: Context): string | undefined {
  try {
    return ctx.settings.url;
  } catch {
    return undefined;
  }
}

/** `baton dev --check`: whether the platform at the URL is ready; exit 0 when it is. */
async function checkPlatform(ctx: Context): Promise<void> {
  const { url } = ctx.settings;
  try {
    const readiness = await ctx.client().readiness();
    const checks = Object.entries(readiness.details).map(([name, check]) => `${name} ${check.status}`);
    ctx.out(`${url}: ${readiness.ready ? 'ready' : 'up, but not ready'} (${checks.join(', ')})`);
    if (!readiness.ready) process.exitCode = 1;
  } catch (error) {
    ctx.out(`${url}: not running: ${describeError(error, url)[0].replace(/^error: /, '')}; start it with: baton dev`);
    process.exitCode = 1;
  }
}

export function registerDevCommand(program: Command): void {
  leaf(program, 'dev', 'run the whole platform in this terminal until Ctrl-C (with --check: whether it is up at the URL)')
    .option('--check', 'only check GET /health/ready at the URL: exit 0 when the platform is ready, 1 otherwise')
    .addHelpText(
      'after',
      [
        '',
        'Runs services/all-in-one/dist/main.js of this checkout (build it with `npm run build`) with this',
        'environment: DATABASE_URL, NATS_URL and the BATON_* settings (README.md, "Get started"). PostgreSQL',
        'and NATS with JetStream must be running. It serves the admin API on http://127.0.0.1:$BATON_HTTP_PORT',
        "(default 8080); the exit code is the platform's.",
      ].join('\n'),
    )
    .action(async (options: { check?: boolean }, command: Command) => {
      const ctx = Context.of(command);
      if (options.check) return checkPlatform(ctx);
      process.exitCode = await startPlatform(ctx);
    });
}
