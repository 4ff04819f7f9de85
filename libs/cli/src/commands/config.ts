import type { Command } from 'commander';
import { Context } from '../context';
import { CliError } from '../errors';
import { leaf } from '../options';
import { renderJson, renderTable } from '../output';
import { maskKey, readConfig, setProfile, useProfile, writeConfig } from '../profiles';

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('profiles: named URLs and API keys, in $XDG_CONFIG_HOME/baton/config.json');

  leaf(config, 'set-profile <name>', 'create or change a profile with --url and --api-key (the first profile becomes the current one)')
    .option('--use', 'make it the current profile')
    .addHelpText(
      'after',
      '\nExample:\n  baton config set-profile staging --url https://baton.staging.example --api-key "$STAGING_KEY" --use',
    )
    .action((name: string, options: { use?: boolean; url?: string; apiKey?: string }, command: Command) => {
      const ctx = Context.of(command);
      const { url, apiKey } = ctx.options;
      let next = setProfile(readConfig(ctx.configPath), name, { url, apiKey });
      if (options.use) next = useProfile(next, name);
      writeConfig(ctx.configPath, next);
      const profile = next.profiles[name];
      const current = next.current === name ? ', current' : '';
      ctx.out(
        `saved profile ${name} (url ${profile.url ?? 'not set'}, key ${maskKey(profile.apiKey) ?? 'none'}${current}) in ${ctx.configPath}`,
      );
    });

  leaf(config, 'use <name>', 'make a profile the current one').action((name: string, _options: object, command: Command) => {
    const ctx = Context.of(command);
    writeConfig(ctx.configPath, useProfile(readConfig(ctx.configPath), name));
    ctx.out(`using profile ${name}`);
  });

  leaf(config, 'delete-profile <name>', 'remove a profile').action((name: string, _options: object, command: Command) => {
    const ctx = Context.of(command);
    const current = readConfig(ctx.configPath);
    if (!current.profiles[name]) throw new CliError(`no profile '${name}'`);
    const { [name]: _removed, ...profiles } = current.profiles;
    writeConfig(ctx.configPath, { current: current.current === name ? undefined : current.current, profiles });
    ctx.out(`deleted profile ${name}`);
  });

  leaf(config, 'list', 'the profiles, API keys masked').action((_options: object, command: Command) => {
    const ctx = Context.of(command);
    const current = readConfig(ctx.configPath);
    const rows = Object.entries(current.profiles).map(([name, profile]) => ({
      name,
      current: current.current === name,
      url: profile.url,
      apiKey: maskKey(profile.apiKey),
    }));
    if (ctx.format('table') === 'json') return ctx.out(renderJson({ path: ctx.configPath, current: current.current, profiles: rows }));
    ctx.out(
      renderTable(rows, [
        { header: 'CURRENT', value: (r) => (r.current ? '*' : ' ') },
        { header: 'NAME', value: (r) => r.name },
        { header: 'URL', value: (r) => r.url },
        { header: 'API KEY', value: (r) => r.apiKey },
      ]),
    );
  });
}
