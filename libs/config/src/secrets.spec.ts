import { describe, expect, it } from 'vitest';
import { Secrets, UnresolvedSecretError } from './secrets';

const secrets = Secrets.fromEnvironment({
  BATON_SECRET_opsHook: 'hook-key',
  BATON_SECRET_: 'nameless',
  BATON_SECRET_empty: '',
  PATH: '/usr/bin',
});

describe('Secrets', () => {
  it('resolves `${ secrets.<name> }` from BATON_SECRET_<name>, keeping the case of the name', async () => {
    expect(await secrets.resolve('${ secrets.opsHook }', 'the webhook secret')).toBe('hook-key');
  });

  it('takes a secret written in plain text as it is', async () => {
    expect(await secrets.resolve('plain-key', 'the webhook secret')).toBe('plain-key');
  });

  it('sees nothing but BATON_SECRET_ variables', async () => {
    await expect(secrets.resolve('${ secrets.PATH }', 'the webhook secret')).rejects.toBeInstanceOf(UnresolvedSecretError);
    await expect(secrets.resolve('${ secrets.empty }', 'the webhook secret')).rejects.toBeInstanceOf(UnresolvedSecretError);
  });

  it('never quotes the template or a value in its errors', async () => {
    const error: unknown = await secrets.resolve('${ secrets.opsHook + }', 'the webhook secret').then(
      () => undefined,
      (rejection: unknown) => rejection,
    );

    expect(error).toBeInstanceOf(UnresolvedSecretError);
    expect((error as Error).message).not.toContain('opsHook');
  });
});
