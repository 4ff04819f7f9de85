import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { nulCharacterErrors, RpcProblemError, type DefinitionView, type RpcRequest } from '@baton/contracts';
import { parseDefinitionText, validateDefinition, type WorkflowDefinition } from '@baton/dsl';
import { DefinitionsRepository } from './definitions.repository';
import { toDefinitionView } from './definition.view';

type DefinitionInput = RpcRequest<'baton.rpc.registry.register'>;

/** Parses and validates a definition, then stores it as a new version when its content changed. */
@Injectable()
export class RegisterDefinitionUseCase {
  constructor(private readonly definitions: DefinitionsRepository) {}

  async execute(input: DefinitionInput): Promise<{ created: boolean; definition: DefinitionView }> {
    const definition = this.validate(input);
    const { created, entity } = await this.definitions.saveIfChanged({
      document: definition,
      contentHash: createHash('sha256').update(canonicalJson(definition)).digest('hex'),
      eventTypes: [...new Set((definition.triggers ?? []).flatMap((t) => ('event' in t ? [t.event] : [])))],
    });
    return { created, definition: toDefinitionView(entity) };
  }

  /** Returns the normalised definition or throws a 400 problem listing every error with its path. */
  validate(input: DefinitionInput): WorkflowDefinition {
    const parsed = 'text' in input ? parseDefinitionText(input.text, input.format) : { ok: true as const, document: input.document };
    if (!parsed.ok) throw RpcProblemError.invalid('the definition could not be parsed', parsed.errors);
    const unstorable = nulCharacterErrors(parsed.document);
    if (unstorable.length > 0) throw RpcProblemError.invalid('the definition cannot be stored', unstorable);
    const validated = validateDefinition(parsed.document);
    if (!validated.ok) throw RpcProblemError.invalid('the definition is invalid', validated.errors);
    return validated.definition;
  }
}

/** JSON with object keys sorted, so equal content hashes equally whatever the key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
