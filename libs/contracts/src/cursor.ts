import { RpcProblemError } from './rpc';
import { isUuid } from './run-ids';

/**
 * Opaque list cursors: the sort key of the last item returned, base64url-encoded JSON.
 * Keyset pagination stays correct while rows are inserted, unlike offsets.
 */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export type CursorKey = (string | number)[];

/** Key shapes of the lists: a cursor must decode to exactly its list's shape. */
export const CursorShapes = {
  /** `[createdAt ISO-8601, run id]` */
  runs: (key: CursorKey) => key.length === 2 && typeof key[0] === 'string' && !Number.isNaN(Date.parse(key[0])) && isUuid(key[1]),
  /** `[history seq]` */
  history: (key: CursorKey) => key.length === 1 && Number.isInteger(key[0]),
  /** `[numeric id]` */
  numericId: (key: CursorKey) => key.length === 1 && typeof key[0] === 'string' && /^\d{1,19}$/.test(key[0]),
  /** `[name]` */
  name: (key: CursorKey) => key.length === 1 && typeof key[0] === 'string',
} as const;

export function decodeCursor(cursor: string | undefined, hasShape: (key: CursorKey) => boolean): CursorKey | undefined {
  if (!cursor) return undefined;
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.every((v) => typeof v === 'string' || typeof v === 'number') && hasShape(key)) return key;
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
