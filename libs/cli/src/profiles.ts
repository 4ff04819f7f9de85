import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from './errors';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export interface Profile {
  url?: string;
  apiKey?: string;
}

/** `~/.config/baton/config.json`: named profiles and the one `baton config use` chose. */
export interface CliConfig {
  current?: string;
  profiles: Record<string, Profile>;
}

/** Where the URL and key come from, first match wins (docs/cli.md, "Profiles"). */
export interface SettingsSources {
  flags: { url?: string; apiKey?: string; profile?: string };
  env: NodeJS.ProcessEnv;
  config: CliConfig;
}

export interface Settings {
  url: string;
  apiKey?: string;
  /** The profile read, if any. */
  profile?: string;
}

/** `$XDG_CONFIG_HOME/baton/config.json`, or `~/.config/baton/config.json`. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['XDG_CONFIG_HOME'] || join(homedir(), '.config');
  return join(base, 'baton', 'config.json');
}

/** The config at `path`; an empty one when the file does not exist. */
export function readConfig(path: string): CliConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} };
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  const config = parsed as Partial<CliConfig> | null;
  if (!config || typeof config !== 'object' || (config.profiles !== undefined && typeof config.profiles !== 'object')) {
    throw new CliError(`${path} is not a baton config: expected {"current", "profiles": {...}}`);
  }
  return { current: config.current, profiles: { ...config.profiles } };
}

/** Writes the config readable by its owner only: it holds API keys. */
export function writeConfig(path: string, config: CliConfig): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** Creates the profile, or changes the fields given; the first profile becomes the current one. */
export function setProfile(config: CliConfig, name: string, changes: Profile): CliConfig {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new CliError(`profile names are letters, digits, '.', '_' and '-': '${name}'`, 2);
  const profile = { ...config.profiles[name] };
  if (changes.url !== undefined) profile.url = changes.url;
  if (changes.apiKey !== undefined) profile.apiKey = changes.apiKey;
  return { current: config.current ?? name, profiles: { ...config.profiles, [name]: profile } };
}

export function useProfile(config: CliConfig, name: string): CliConfig {
  if (!config.profiles[name]) throw unknownProfile(config, name);
  return { ...config, current: name };
}

/**
 * `--url` / `--api-key`, then the profile named with `--profile`, then `BATON_URL` /
 * `BATON_API_KEY`, then the current profile, then http://127.0.0.1:8080 and no key.
 */
export function resolveSettings({ flags, env, config }: SettingsSources): Settings {
  if (flags.profile !== undefined && !config.profiles[flags.profile]) throw unknownProfile(config, flags.profile);
  const chosen = flags.profile === undefined ? undefined : config.profiles[flags.profile];
  const currentName = config.current !== undefined && config.profiles[config.current] ? config.current : undefined;
  const current = currentName === undefined ? undefined : config.profiles[currentName];
  const url = flags.url ?? chosen?.url ?? (env['BATON_URL'] || undefined) ?? current?.url ?? DEFAULT_URL;
  const apiKey = flags.apiKey ?? chosen?.apiKey ?? (env['BATON_API_KEY'] || undefined) ?? current?.apiKey;
  return { url, apiKey, profile: flags.profile ?? currentName };
}

/** Enough of a key to tell keys apart, never the key: `abcd…ef` (`****` for short ones). */
export function maskKey(key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  return key.length < 12 ? '****' : `${key.slice(0, 4)}…${key.slice(-2)}`;
}

function unknownProfile(config: CliConfig, name: string): CliError {
  const known = Object.keys(config.profiles);
  return new CliError(
    `no profile '${name}'${known.length ? ` (profiles: ${known.join(', ')})` : ''}; create it with baton config set-profile`,
  );
}
