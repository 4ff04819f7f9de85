import { v4 as uuidv4, v5 as uuidv5 } from 'uuid';

/** Run ids are UUIDs; anything else names no run. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

/** Fixed namespace for Baton's name-based (v5) run ids. Never change it: ids would stop matching. */
const RUN_ID_NAMESPACE = '6f1c2b9e-3d4a-4b8e-9a51-7c0d2e8f4a13';

/**
 * Run ids derived from what makes a start unique, so every hop that retries (the scheduler after a
 * crash, JetStream redelivery, a client resending its idempotency key) lands on the same run.
 */
export const RunIds = {
  random: (): string => uuidv4(),
  forIdempotencyKey: (workflow: string, key: string): string => uuidv5(`api\n${workflow}\n${key}`, RUN_ID_NAMESPACE),
  forEvent: (workflow: string, triggerIndex: number, source: string, eventId: string): string =>
    uuidv5(`event\n${workflow}\n${triggerIndex}\n${source}\n${eventId}`, RUN_ID_NAMESPACE),
  /** One fire of a schedule: replicas, retries and a backfill over the same time all land on the same run. */
  forScheduleFire: (scheduleId: string, fireTime: Date): string =>
    uuidv5(`schedule\n${scheduleId}\n${fireTime.toISOString()}`, RUN_ID_NAMESPACE),
  /** The child run one attempt of a `subWorkflow` step starts: a retried attempt starts a new child. */
  forChild: (parentRunId: string, stepId: string, attempt: number): string =>
    uuidv5(`child\n${parentRunId}\n${stepId}\n${attempt}`, RUN_ID_NAMESPACE),
} as const;
