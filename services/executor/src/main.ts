import { runServices } from '@baton/runtime';
import { executorService } from './index';

void runServices('executor', [executorService]);
