import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { WorkflowDefinition } from '@baton/dsl';
import { type EntityManager, Repository } from 'typeorm';
import { DefinitionEntity } from './definition.entity';

export interface NewDefinitionVersion {
  document: WorkflowDefinition;
  contentHash: string;
  eventTypes: string[];
}

@Injectable()
export class DefinitionsRepository {
  constructor(@InjectRepository(DefinitionEntity, 'registry') private readonly definitions: Repository<DefinitionEntity>) {}

  /**
   * Stores a new version unless the latest one has the same content. Serialised per name with an
   * advisory lock so two concurrent registrations cannot both become version N+1.
   */
  saveIfChanged(candidate: NewDefinitionVersion): Promise<{ created: boolean; entity: DefinitionEntity }> {
    return this.definitions.manager.transaction(async (manager: EntityManager) => {
      const name = candidate.document.name;
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`registry:${name}`]);
      const latest = await manager.findOne(DefinitionEntity, { where: { name }, order: { version: 'DESC' } });
      if (latest && latest.contentHash === candidate.contentHash) return { created: false, entity: latest };
      const entity = manager.create(DefinitionEntity, {
        name,
        version: (latest?.version ?? 0) + 1,
        description: candidate.document.description ?? null,
        document: candidate.document,
        contentHash: candidate.contentHash,
        eventTypes: candidate.eventTypes,
      });
      return { created: true, entity: await manager.save(entity) };
    });
  }

  find(name: string, version?: number): Promise<DefinitionEntity | null> {
    return version === undefined
      ? this.definitions.findOne({ where: { name }, order: { version: 'DESC' } })
      : this.definitions.findOne({ where: { name, version } });
  }

  /** The latest version of each workflow, ordered by name, after `afterName`. */
  latestVersions(limit: number, afterName?: string): Promise<DefinitionEntity[]> {
    return this.definitions
      .createQueryBuilder('d')
      .distinctOn(['d.name'])
      .where(afterName === undefined ? 'TRUE' : 'd.name > :afterName', { afterName })
      .orderBy('d.name', 'ASC')
      .addOrderBy('d.version', 'DESC')
      .limit(limit)
      .getMany();
  }

  /** Latest versions whose triggers listen to the event type: older versions no longer trigger. */
  /** The latest version of each workflow, when it has a schedule trigger. */
  latestScheduled(): Promise<DefinitionEntity[]> {
    return this.definitions
      .createQueryBuilder('d')
      .where(
        `d.version = (SELECT max(l.version) FROM "registry"."definitions" l WHERE l.name = d.name) AND jsonb_path_exists(d.document, '$.triggers[*].schedule')`,
      )
      .getMany();
  }

  latestTriggeredBy(eventType: string): Promise<DefinitionEntity[]> {
    return this.definitions
      .createQueryBuilder('d')
      .where(
        'd.version = (SELECT max(l.version) FROM "registry"."definitions" l WHERE l.name = d.name) AND d.event_types @> ARRAY[:eventType]::text[]',
        { eventType },
      )
      .getMany();
  }
}
