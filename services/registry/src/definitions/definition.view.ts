import type { DefinitionSummary, DefinitionView } from '@baton/contracts';
import type { DefinitionEntity } from './definition.entity';

export function toDefinitionView(entity: DefinitionEntity): DefinitionView {
  return {
    name: entity.name,
    version: entity.version,
    ...(entity.description ? { description: entity.description } : {}),
    definition: entity.document,
    createdAt: entity.createdAt.toISOString(),
  };
}

export function toDefinitionSummary(entity: DefinitionEntity): DefinitionSummary {
  return {
    name: entity.name,
    latestVersion: entity.version,
    ...(entity.description ? { description: entity.description } : {}),
    updatedAt: entity.createdAt.toISOString(),
  };
}
