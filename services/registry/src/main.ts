import { runServices } from '@baton/runtime';
import { registryService } from './index';

void runServices('registry', [registryService]);
