import { RpcProblemError } from './rpc';

/**
 * Opaque list cursors: the sort key of the last item returned, base64url-encoded JSON.
 * Keyset pagination stays correct while rows are inserted, unlike offsets.
 */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): (string | number)[] | undefined {
  if (!cursor) return undefined;
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.every((v) => typeof v === 'string' || typeof v === 'number')) return key;
  } catch {
    // fall through: a malformed cursor is the caller's error, reported below
  }
  throw new InvalidCursorError();
}

/** A 400 problem wherever the cursor is decoded, so the service that owns the list answers it. */
export class InvalidCursorError extends RpcProblemError {
  constructor() {
    super({
      status: 400,
      title: 'Bad Request',
      detail: 'cursor is not one this API returned',
      errors: [{ path: 'cursor', message: 'not a cursor from a previous page' }],
    });
    this.name = 'InvalidCursorError';
  }
}
