import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DefinitionEntity } from './definition.entity';
import { DefinitionsRepository } from './definitions.repository';
import { DefinitionsRpcHandler } from './definitions.rpc-handler';
import { RegisterDefinitionUseCase } from './register-definition.use-case';

@Module({
  imports: [TypeOrmModule.forFeature([DefinitionEntity], 'registry')],
  providers: [DefinitionsRepository, RegisterDefinitionUseCase, DefinitionsRpcHandler],
})
export class DefinitionsModule {}
