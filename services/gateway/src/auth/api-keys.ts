import { createHash, timingSafeEqual } from 'node:crypto';
import type { Role } from '@baton/contracts';

export interface ApiKey {
  /** `key:<first 8 hex of the key's SHA-256>`: names the key in the audit log without revealing it. */
  principal: string;
  role: Role;
  digest: Buffer;
}

const digestOf = (key: string) => createHash('sha256').update(key).digest();

/** The keys of `BATON_API_KEYS` (already checked against its pattern by the config). */
export function parseApiKeys(setting: string | undefined): ApiKey[] {
  if (!setting) return [];
  return setting.split(',').map((pair) => {
    const separator = pair.lastIndexOf(':');
    const digest = digestOf(pair.slice(0, separator));
    return { principal: `key:${digest.toString('hex').slice(0, 8)}`, role: pair.slice(separator + 1) as Role, digest };
  });
}

/**
 * The key presented, compared in constant time: digests of equal length are compared with
 * `timingSafeEqual`, and every configured key is compared, so timing says nothing about which
 * keys exist or how much of one matched.
 */
export function findApiKey(keys: readonly ApiKey[], presented: string): ApiKey | undefined {
  const digest = digestOf(presented);
  let found: ApiKey | undefined;
  for (const key of keys) {
    if (timingSafeEqual(key.digest, digest) && found === undefined) found = key;
  }
  return found;
}
