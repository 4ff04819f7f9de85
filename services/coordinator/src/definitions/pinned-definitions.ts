import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { buildStepGraph, type StepGraph, type WorkflowDefinition } from '@baton/dsl';
import { RpcClient } from '@baton/messaging';
import { jsonbRow } from '@baton/persistence';
import { Repository } from 'typeorm';
import { PinnedDefinitionEntity } from './pinned-definition.entity';

export interface PinnedDefinition {
  definition: WorkflowDefinition;
  graph: StepGraph;
  version: number;
}

/**
 * Definitions as the coordinator runs them. Versions are immutable, so each is fetched from the
 * registry once, pinned in the coordinator's own schema (runs keep working if the registry is
 * down) and kept in memory with its step graph.
 */
@Injectable()
export class PinnedDefinitions {
  private readonly cache = new Map<string, PinnedDefinition>();

  constructor(
    @InjectRepository(PinnedDefinitionEntity, 'coordinator') private readonly pinned: Repository<PinnedDefinitionEntity>,
    private readonly registry: RpcClient,
  ) {}

  /** The named version, or the latest when none is named; 404 problem when the registry has none. */
  async resolve(name: string, version?: number): Promise<PinnedDefinition> {
    if (version !== undefined) return this.get(name, version);
    const latest = await this.registry.call('baton.rpc.registry.get', { name });
    return this.remember(name, latest.version, latest.definition, true);
  }

  async get(name: string, version: number): Promise<PinnedDefinition> {
    const cached = this.cache.get(`${name}@${version}`);
    if (cached) return cached;
    const row = await this.pinned.findOne({ where: { name, version } });
    if (row) return this.remember(name, version, row.document, false);
    const view = await this.registry.call('baton.rpc.registry.get', { name, version });
    return this.remember(name, version, view.definition, true);
  }

  private async remember(name: string, version: number, definition: WorkflowDefinition, pin: boolean): Promise<PinnedDefinition> {
    const key = `${name}@${version}`;
    const known = this.cache.get(key);
    if (known) return known;
    if (pin)
      await this.pinned
        .createQueryBuilder()
        .insert()
        .values(jsonbRow({ name, version, document: definition }))
        .orIgnore()
        .execute();
    const entry = { definition, graph: buildStepGraph(definition), version };
    this.cache.set(key, entry);
    return entry;
  }
}
