import { runServices } from '@baton/runtime';
import { notifierService } from './index';

void runServices('notifier', [notifierService]);
