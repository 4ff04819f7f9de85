import type { AuditRecord } from './permissions';
import type {
  CancelRunCommand,
  CloudEvent,
  RunAlert,
  RunLifecycleEvent,
  StartRunCommand,
  StepDueCommand,
  TaskDispatch,
  TaskHeartbeat,
  TaskResult,
} from './messages';
import type { RunStatus } from './statuses';

/**
 * The subject catalogue. Subjects here are logical: the messaging layer prefixes them with
 * the configured namespace (empty by default, so users see exactly these names).
 */
export const Subjects = {
  event: (type: string) => `baton.events.${type}` as const,
  startRun: 'baton.cmd.start-run',
  cancelRun: 'baton.cmd.cancel-run',
  stepDue: 'baton.cmd.step-due',
  task: (taskType: string) => `baton.tasks.${taskType}` as const,
  taskResult: 'baton.results.task',
  lifecycle: (workflow: string, status: RunStatus | RunAlert) => `baton.lifecycle.${workflow}.${status}` as const,
  deadLetter: (consumer: string) => `baton.dlq.${consumer}` as const,
  audit: (outcome: 'allowed' | 'denied') => `baton.audit.${outcome}` as const,
} as const;

export const EVENT_SUBJECT_PREFIX = 'baton.events.';

/** The built-in task types the executor serves on `baton.tasks.<type>`. */
export const BUILTIN_TASK_TYPES = ['http', 'publish'] as const;
export type BuiltinTaskType = (typeof BUILTIN_TASK_TYPES)[number];

/** Maps each subject pattern to its payload so publish and consume are typed. */
export interface MessageCatalogue {
  [event: `baton.events.${string}`]: CloudEvent;
  'baton.cmd.start-run': StartRunCommand;
  'baton.cmd.cancel-run': CancelRunCommand;
  'baton.cmd.step-due': StepDueCommand;
  [task: `baton.tasks.${string}`]: TaskDispatch;
  'baton.results.task': TaskResult | TaskHeartbeat;
  [lifecycle: `baton.lifecycle.${string}`]: RunLifecycleEvent;
  [deadLetter: `baton.dlq.${string}`]: unknown;
  [audit: `baton.audit.${string}`]: AuditRecord;
}
export type Subject = keyof MessageCatalogue & string;
export type PayloadOf<S extends Subject> = MessageCatalogue[S];

export type RetentionKind = 'limits' | 'workqueue';

export interface StreamSpec {
  name: string;
  subjects: string[];
  retention: RetentionKind;
  /** Max age of a message in ms. */
  maxAgeMs: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The streams Baton uses (names are internal; the subjects are contract). */
export const Streams = {
  events: { name: 'BATON_EVENTS', subjects: ['baton.events.>'], retention: 'limits', maxAgeMs: 7 * DAY_MS },
  commands: { name: 'BATON_COMMANDS', subjects: ['baton.cmd.>'], retention: 'workqueue', maxAgeMs: 7 * DAY_MS },
  tasks: { name: 'BATON_TASKS', subjects: ['baton.tasks.>'], retention: 'workqueue', maxAgeMs: 7 * DAY_MS },
  results: { name: 'BATON_RESULTS', subjects: ['baton.results.>'], retention: 'workqueue', maxAgeMs: 7 * DAY_MS },
  lifecycle: { name: 'BATON_LIFECYCLE', subjects: ['baton.lifecycle.>'], retention: 'limits', maxAgeMs: 7 * DAY_MS },
  deadLetters: { name: 'BATON_DLQ', subjects: ['baton.dlq.>'], retention: 'limits', maxAgeMs: 30 * DAY_MS },
  audit: { name: 'BATON_AUDIT', subjects: ['baton.audit.>'], retention: 'limits', maxAgeMs: 90 * DAY_MS },
} as const satisfies Record<string, StreamSpec>;
