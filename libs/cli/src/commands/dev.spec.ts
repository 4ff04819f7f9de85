import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allInOneMain, apiUrlOf } from './dev';

describe('baton dev', () => {
  it('runs the all-in-one platform of the checkout the CLI was built in', () => {
    expect(allInOneMain('/repo/libs/cli/dist')).toBe(resolve('/repo/services/all-in-one/dist/main.js'));
    expect(allInOneMain()).toBe(resolve(__dirname, '../../../../services/all-in-one/dist/main.js'));
  });

  it('looks for the API on BATON_HTTP_PORT (default 8080), from this machine', () => {
    expect(apiUrlOf({})).toBe('http://127.0.0.1:8080');
    expect(apiUrlOf({ BATON_HTTP_PORT: '18080' })).toBe('http://127.0.0.1:18080');
    expect(apiUrlOf({ BATON_HTTP_HOST: '0.0.0.0', BATON_API_KEYS: 'k:admin' })).toBe('http://127.0.0.1:8080');
    // Without keys the gateway binds to loopback whatever the host says.
    expect(apiUrlOf({ BATON_HTTP_HOST: '10.1.2.3' })).toBe('http://127.0.0.1:8080');
    expect(apiUrlOf({ BATON_HTTP_HOST: '10.1.2.3', BATON_API_KEYS: 'k:admin' })).toBe('http://10.1.2.3:8080');
    expect(apiUrlOf({ BATON_HTTP_HOST: 'fd00::1', BATON_API_KEYS: 'k:admin' })).toBe('http://[fd00::1]:8080');
    expect(apiUrlOf({ BATON_HTTP_HOST: '::1' })).toBe('http://[::1]:8080');
  });
});
