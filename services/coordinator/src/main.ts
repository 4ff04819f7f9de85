import { runServices } from '@baton/runtime';
import { coordinatorService } from './index';

void runServices('coordinator', [coordinatorService]);
