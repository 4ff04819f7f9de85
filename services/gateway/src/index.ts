import type { ServiceDefinition } from '@baton/runtime';
import { GatewayModule } from './gateway.module';
import { listenHttp } from './http/http-server';

export const gatewayService: ServiceDefinition = { name: 'gateway', module: GatewayModule, listen: listenHttp };
