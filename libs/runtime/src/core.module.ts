import { type DynamicModule, Global, Module } from '@nestjs/common';
import { BatonConfig } from '@baton/config';
import { SERVICE_NAME } from '@baton/messaging';
import { Clock, SystemClock } from './clock';

/** What every module of a service may inject: the validated config, the service's name and the clock. */
@Global()
@Module({})
export class CoreModule {
  static forService(config: BatonConfig, serviceName: string): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: BatonConfig, useValue: config },
        { provide: SERVICE_NAME, useValue: serviceName },
        { provide: Clock, useClass: SystemClock },
      ],
      exports: [BatonConfig, SERVICE_NAME, Clock],
    };
  }
}
