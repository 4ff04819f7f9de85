/** Run statuses (DESIGN.md §3, contract). */
export const RUN_STATUSES = [
  'pending',
  'running',
  'waiting',
  'paused',
  'compensating',
  'completed',
  'failed',
  'compensated',
  'cancelled',
  'timed_out',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'compensated', 'cancelled', 'timed_out'];

/** A run that has started and not ended (`pending` runs wait for a concurrency slot and have not started). */
export const ACTIVE_RUN_STATUSES: readonly RunStatus[] = ['running', 'waiting', 'paused', 'compensating'];

/** Step statuses (DESIGN.md §3, contract). */
export const STEP_STATUSES = [
  'pending',
  'scheduled',
  'running',
  'waiting',
  'completed',
  'failed',
  'skipped',
  'cancelled',
  'compensated',
] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];
