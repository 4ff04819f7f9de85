import { describe, expect, it } from 'vitest';
import { findApiKey, parseApiKeys } from './api-keys';

describe('API keys', () => {
  const keys = parseApiKeys('admin-key-0123456789:admin,viewer-key-0123456789:viewer');

  it('finds the key presented, with its role and a principal that does not reveal it', () => {
    const found = findApiKey(keys, 'viewer-key-0123456789');
    expect(found?.role).toBe('viewer');
    expect(found?.principal).toMatch(/^key:[0-9a-f]{8}$/);
    expect(found?.principal).not.toContain('viewer-key');
    expect(findApiKey(keys, 'admin-key-0123456789')?.role).toBe('admin');
  });

  it('finds nothing for an unknown key, a prefix of a key, or no keys', () => {
    expect(findApiKey(keys, 'admin-key-012345678')).toBeUndefined();
    expect(findApiKey(keys, '')).toBeUndefined();
    expect(findApiKey(parseApiKeys(undefined), 'admin-key-0123456789')).toBeUndefined();
  });
});
