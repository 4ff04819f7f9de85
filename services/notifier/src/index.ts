import type { ServiceDefinition } from '@baton/runtime';
import { NotifierModule } from './notifier.module';

export const notifierService: ServiceDefinition = { name: 'notifier', module: NotifierModule };
