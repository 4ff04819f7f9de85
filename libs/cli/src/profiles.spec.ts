import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliError } from './errors';
import {
  configPath,
  DEFAULT_URL,
  maskKey,
  readConfig,
  resolveSettings,
  setProfile,
  useProfile,
  writeConfig,
  type CliConfig,
} from './profiles';

describe('profiles', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'baton-cli-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the config in $XDG_CONFIG_HOME/baton, else in ~/.config/baton', () => {
    expect(configPath({ XDG_CONFIG_HOME: dir })).toBe(join(dir, 'baton', 'config.json'));
    expect(configPath({ HOME: dir })).toMatch(/\.config[/\\]baton[/\\]config\.json$/);
  });

  it('reads a missing file as no profiles, and writes the file for its owner only', () => {
    const path = configPath({ XDG_CONFIG_HOME: dir });
    expect(readConfig(path)).toEqual({ profiles: {} });
    const config = setProfile(readConfig(path), 'local', { url: 'http://127.0.0.1:8080', apiKey: 'admin-key-7f3c9a1e5b2d4c6f' });
    writeConfig(path, config);
    expect(readConfig(path)).toEqual({
      current: 'local',
      profiles: { local: { url: 'http://127.0.0.1:8080', apiKey: 'admin-key-7f3c9a1e5b2d4c6f' } },
    });
    if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('refuses a file that is not a config, naming it', () => {
    const path = join(dir, 'config.json');
    writeFileSync(path, '{not json');
    expect(() => readConfig(path)).toThrow(CliError);
    expect(() => readConfig(path)).toThrow(path);
    writeFileSync(path, '"a string"');
    expect(() => readConfig(path)).toThrow(/not a baton config/);
  });

  it('changes only the fields given, makes the first profile current, and switches with use', () => {
    let config: CliConfig = { profiles: {} };
    config = setProfile(config, 'local', { url: 'http://127.0.0.1:8080' });
    config = setProfile(config, 'staging', { url: 'https://staging', apiKey: 'k1' });
    config = setProfile(config, 'staging', { apiKey: 'k2' });
    expect(config).toEqual({
      current: 'local',
      profiles: { local: { url: 'http://127.0.0.1:8080' }, staging: { url: 'https://staging', apiKey: 'k2' } },
    });
    expect(useProfile(config, 'staging').current).toBe('staging');
    expect(() => useProfile(config, 'prod')).toThrow(/no profile 'prod' \(profiles: local, staging\)/);
    expect(() => setProfile(config, 'has space', {})).toThrow(CliError);
  });

  it('takes flags first, then --profile, then BATON_URL / BATON_API_KEY, then the current profile, then the default', () => {
    const config: CliConfig = {
      current: 'local',
      profiles: { local: { url: 'http://local:8080', apiKey: 'local-key' }, prod: { url: 'https://prod', apiKey: 'prod-key' } },
    };
    const env = { BATON_URL: 'http://env:8080', BATON_API_KEY: 'env-key' };
    expect(resolveSettings({ flags: { url: 'http://flag', apiKey: 'flag-key', profile: 'prod' }, env, config })).toEqual({
      url: 'http://flag',
      apiKey: 'flag-key',
      profile: 'prod',
    });
    expect(resolveSettings({ flags: { profile: 'prod' }, env, config })).toEqual({
      url: 'https://prod',
      apiKey: 'prod-key',
      profile: 'prod',
    });
    expect(resolveSettings({ flags: {}, env, config })).toEqual({ url: 'http://env:8080', apiKey: 'env-key', profile: 'local' });
    expect(resolveSettings({ flags: {}, env: {}, config })).toEqual({ url: 'http://local:8080', apiKey: 'local-key', profile: 'local' });
    expect(resolveSettings({ flags: {}, env: {}, config: { profiles: {} } })).toEqual({
      url: DEFAULT_URL,
      apiKey: undefined,
      profile: undefined,
    });
    expect(() => resolveSettings({ flags: { profile: 'nope' }, env, config })).toThrow(/no profile 'nope'/);
  });

  it('masks API keys', () => {
    expect(maskKey('admin-key-7f3c9a1e5b2d4c6f')).toBe('admi…6f');
    expect(maskKey('short')).toBe('****');
    expect(maskKey(undefined)).toBeUndefined();
    const path = join(dir, 'config.json');
    writeConfig(path, setProfile({ profiles: {} }, 'p', { apiKey: 'admin-key-7f3c9a1e5b2d4c6f' }));
    expect(readFileSync(path, 'utf8')).toContain('admin-key-7f3c9a1e5b2d4c6f'); // stored, only printed masked
  });
});
