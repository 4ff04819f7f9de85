import { runServices } from '@baton/runtime';
import { schedulerService } from './index';

void runServices('scheduler', [schedulerService]);
