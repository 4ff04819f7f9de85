import { runServices } from '@baton/runtime';
import { gatewayService } from './index';

void runServices('gateway', [gatewayService]);
