import { evaluateTemplate } from '@baton/dsl';

const SECRET_VARIABLE_PREFIX = 'BATON_SECRET_';

export class UnresolvedSecretError extends Error {
  override name = 'UnresolvedSecretError';
}

/**
 * Values for `${ secrets.<name> }`, read once at start from the `BATON_SECRET_<name>` environment
 * variables (the name keeps its case: `BATON_SECRET_opsHook` is `secrets.opsHook`).
 * Neither the values nor a resolved secret may ever appear in a log or an error message.
 */
export class Secrets {
  private constructor(private readonly values: Readonly<Record<string, string>>) {}

  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): Secrets {
    const values: Record<string, string> = {};
    for (const [variable, value] of Object.entries(env)) {
      const name = variable.slice(SECRET_VARIABLE_PREFIX.length);
      if (variable.startsWith(SECRET_VARIABLE_PREFIX) && name !== '' && value) values[name] = value;
    }
    return new Secrets(values);
  }

  /** The values, only so that the logger can mask them wherever they would appear. */
  valuesToMask(): string[] {
    return Object.values(this.values);
  }

  /**
   * A plain secret as written, or the value of a template over `secrets` only (e.g.
   * `Bearer ${ secrets.apiToken }`). `usage` names what is being resolved, for the error message.
   */
  async resolve(template: string, usage: string): Promise<string> {
    let value: unknown;
    try {
      value = await evaluateTemplate(template, { secrets: { ...this.values } });
    } catch {
      // The expression error would quote the template, which may be a plain secret.
      throw new UnresolvedSecretError(`${usage} is not a valid template`);
    }
    if (typeof value !== 'string' || value === '') {
      throw new UnresolvedSecretError(`${usage} resolved to nothing: is its ${SECRET_VARIABLE_PREFIX}<name> variable set?`);
    }
    return value;
  }
}
