import { Module } from '@nestjs/common';
import { PersistenceModule } from '@baton/persistence';
import { DefinitionEntity } from './definitions/definition.entity';
import { DefinitionsModule } from './definitions/definitions.module';
import { CreateDefinitions1763942400000 } from './migrations/1763942400000-create-definitions';

@Module({
  imports: [
    PersistenceModule.forService({ schema: 'registry', entities: [DefinitionEntity], migrations: [CreateDefinitions1763942400000] }),
    DefinitionsModule,
  ],
})
export class RegistryModule {}
