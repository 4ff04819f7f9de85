import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import pg from 'pg';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = 'services/all-in-one/dist/main.js';
const READY_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 20_000;
const LOG_TAIL_LINES = 40;

/**
 * Spawns the all-in-one process with its own database, NATS namespace and HTTP port.
 * Returns at once; call `waitUntilReady()` before using the API.
 */
export async function launchPlatform({ namespace, database, natsUrl, pgUrl }) {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      ...process.env,
      NATS_URL: natsUrl,
      DATABASE_URL: `${pgUrl}/${database}`,
      BATON_NAMESPACE: namespace,
      BATON_HTTP_PORT: String(port),
      BATON_GRPC_PORT: String(await freePort()),
      BATON_LOG_LEVEL: 'warn',
      OTEL_SDK_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = captureLog(child);
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    log,
    subject: (logical) => `${namespace}.${logical}`,
    api: (method, path, body) => callApi(baseUrl, method, path, body),
    waitUntilReady: () => waitUntilReady(child, baseUrl, log),
    stop: () => stopProcess(child),
  };
}

export async function dropDatabase(pgUrl, database) {
  const admin = new pg.Client({ connectionString: `${pgUrl}/postgres` });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** Streams are named `<NAMESPACE>_<NAME>` (for example BENCH1A2B_EVENTS). */
export async function deleteStreams(nc, namespace) {
  const jsm = await jetstreamManager(nc);
  const prefix = `${namespace.toUpperCase()}_`;
  for await (const stream of jsm.streams.list()) {
    if (stream.config.name.startsWith(prefix)) await jsm.streams.delete(stream.config.name);
  }
}

export async function postgresVersion(pgUrl) {
  const client = new pg.Client({ connectionString: `${pgUrl}/postgres` });
  await client.connect();
  try {
    const { rows } = await client.query('SHOW server_version');
    return rows[0].server_version;
  } finally {
    await client.end();
  }
}

async function callApi(baseUrl, method, path, body) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = typeof body === 'string' ? 'application/yaml' : 'application/json';
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: parseJson(text) };
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function waitUntilReady(child, baseUrl, log) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`platform exited with code ${child.exitCode}:\n${log.tail()}`);
    const ready = await fetch(`${baseUrl}/health/ready`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ready) return;
    await sleep(250);
  }
  throw new Error(`platform not ready after ${READY_TIMEOUT_MS / 1000} s:\n${log.tail()}`);
}

/** SIGTERM, then SIGKILL if the process has not exited after the grace period. */
async function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    console.error(`platform still running ${STOP_GRACE_MS / 1000} s after SIGTERM: killing it`);
    child.kill('SIGKILL');
  }, STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/** Keeps a count of the lines the platform logged (warnings and errors only) and the last few. */
function captureLog(child) {
  const lines = [];
  let count = 0;
  const keep = (line) => {
    if (!line.trim()) return;
    count += 1;
    lines.push(line);
    if (lines.length > LOG_TAIL_LINES) lines.shift();
  };
  const follow = (stream) => {
    let partial = '';
    stream.on('data', (chunk) => {
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop();
      parts.forEach(keep);
    });
    stream.on('end', () => keep(partial));
  };
  follow(child.stdout);
  follow(child.stderr);
  return { count: () => count, tail: () => lines.join('\n') };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
