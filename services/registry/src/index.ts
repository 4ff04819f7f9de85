import type { ServiceDefinition } from '@baton/runtime';
import { RegistryModule } from './registry.module';

export const registryService: ServiceDefinition = { name: 'registry', module: RegistryModule };
