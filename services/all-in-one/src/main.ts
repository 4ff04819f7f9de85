import { coordinatorService } from '@baton/coordinator';
import { executorService } from '@baton/executor';
import { gatewayService } from '@baton/gateway';
import { notifierService } from '@baton/notifier';
import { registryService } from '@baton/registry';
import { runServices } from '@baton/runtime';
import { schedulerService } from '@baton/scheduler';

/**
 * All six services in one process for local use and tests. Each is still its own Nest
 * application with its own NATS connection and schema, so they talk exactly as in production;
 * the gateway starts last, so the API answers only once everything behind it is up.
 */
void runServices('baton', [registryService, coordinatorService, schedulerService, executorService, notifierService, gatewayService]);
