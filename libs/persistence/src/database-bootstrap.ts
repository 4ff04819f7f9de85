import { Client } from 'pg';

const DUPLICATE_DATABASE = '42P04';
const DUPLICATE_SCHEMA = '42P06';
const UNIQUE_VIOLATION = '23505';

function isAlreadyThere(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === DUPLICATE_DATABASE || code === DUPLICATE_SCHEMA || code === UNIQUE_VIOLATION;
}

/** Creates the database named in the URL when it does not exist, connecting to `postgres` to do so. */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const target = new URL(databaseUrl);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((error: unknown) => {
        if (!isAlreadyThere(error)) throw error;
      });
    }
  } finally {
    await client.end();
  }
}

/** Creates a service's schema; services start side by side, so a concurrent creation is not an error. */
export async function ensureSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`).catch((error: unknown) => {
      if (!isAlreadyThere(error)) throw error;
    });
  } finally {
    await client.end();
  }
}
