import { type DynamicModule, Global, Module } from '@nestjs/common';
import { BatonConfig, Secrets } from '@baton/config';
import { SERVICE_NAME } from '@baton/messaging';
import { Clock, SystemClock } from './clock';

/** What every module of a service may inject: the validated config, the secrets, the service's name and the clock. */
@Global()
@Module({})
export class CoreModule {
  static forService(config: BatonConfig, secrets: Secrets, serviceName: string): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: BatonConfig, useValue: config },
        { provide: Secrets, useValue: secrets },
        { provide: SERVICE_NAME, useValue: serviceName },
        { provide: Clock, useClass: SystemClock },
      ],
      exports: [BatonConfig, Secrets, SERVICE_NAME, Clock],
    };
  }
}
