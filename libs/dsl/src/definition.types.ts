/**
 * The shape of a validated workflow definition (DESIGN.md §3, contract).
 * Values typed `Template` may contain `${ expr }` JSONata expressions; they are
 * evaluated against a {@link Scope} when the step runs, never when registered.
 */
export type Template = unknown;

/** A JSONata expression written without `${ }`: `filter`, `match`, `when`. */
export type Condition = string;

export interface WorkflowDefinition {
  name: string;
  description?: string;
  /** JSON Schema for run input, checked when a run starts. */
  input?: Record<string, unknown>;
  triggers?: TriggerDefinition[];
  /** Whole-run deadline as a duration (`30s`, `5m`, `1h`). */
  timeout?: string;
  steps: StepDefinition[];
  /** Workflow output template, evaluated when every step has completed. */
  output?: Template;
  notifications?: NotificationRule[];
  /** Service level: how long a run should take at most (alerts, not a deadline: see `timeout`). */
  sla?: SlaDefinition;
  /** Run the compensations of completed steps when the run is cancelled, too (not only when it fails). */
  compensateOnCancel?: boolean;
  /**
   * At most `limit` active runs per value of `key` (a template over `input`, e.g.
   * `${ input.customerId }`); runs over the limit wait `pending` and start in the order they came.
   */
  concurrency?: ConcurrencyDefinition;
}

export interface ConcurrencyDefinition {
  key: Template;
  limit: number;
}

export interface EventTriggerDefinition {
  /** CloudEvent type, matched against `baton.events.<type>`. */
  event: string;
  /** Bare expression over `{ event }`; the trigger fires only when it is truthy. */
  filter?: Condition;
  /** Run input template over `{ event }`; defaults to `event.data`. */
  input?: Template;
}

/** What a schedule does about fires that were due while no scheduler ran (more than a minute late). */
export type MisfirePolicy = 'skip' | 'fireOnce' | 'catchUp';
export const MISFIRE_POLICIES: readonly MisfirePolicy[] = ['skip', 'fireOnce', 'catchUp'];

/** What a fire does while the run of the schedule's previous fire is still active. */
export type OverlapPolicy = 'allow' | 'skip' | 'cancelPrevious';
export const OVERLAP_POLICIES: readonly OverlapPolicy[] = ['allow', 'skip', 'cancelPrevious'];

export interface ScheduleTriggerDefinition {
  /** A cron pattern: 5 fields, or 6 with seconds first (`30 0 9 * * *` is 09:00:30). */
  schedule: string;
  /** IANA time zone the pattern is read in; default UTC. */
  timezone?: string;
  /** Run input template over `{ schedule: { id, fireTime } }`; defaults to `{}`. */
  input?: Template;
  /** Default `fireOnce`. */
  misfire?: MisfirePolicy;
  /** With `catchUp`: at most this many missed fires are run (the most recent ones); default 10. */
  catchUpLimit?: number;
  /** Default `allow`. */
  overlap?: OverlapPolicy;
  /** Each fire is delayed by up to this duration, the same for a given fire on every replica. */
  jitter?: string;
}

export type TriggerDefinition = EventTriggerDefinition | ScheduleTriggerDefinition;

export type BackoffKind = 'fixed' | 'exponential';

export interface RetryPolicy {
  /** Total attempts including the first; 1 disables retries. */
  maxAttempts: number;
  backoff: BackoffKind;
  /** Delay before the second attempt, as a duration. */
  initialInterval: string;
  /** Upper bound on any delay, as a duration. */
  maxInterval?: string;
  /** Spread the delays (each between half and all of its nominal value) so retries of many runs do not align. */
  jitter?: boolean;
  /**
   * Error codes to retry, with `*` wildcards (`http.5*`, `timeout`, `network`, or a worker's own
   * codes). When set, an error is retried exactly when its code matches; otherwise when the
   * executor or worker said it is retryable.
   */
  retryOn?: string[];
}

interface StepCommon {
  id: string;
  description?: string;
  /** Ids of steps that must complete first. Absent: the previous step in the list. */
  needs?: string[];
  retry?: RetryPolicy;
  /** Per-attempt deadline as a duration. */
  timeout?: string;
  /**
   * The saga action that undoes this step. When the run fails (or is cancelled with
   * `compensateOnCancel`), the compensations of completed steps run one by one in reverse
   * completion order, each with its own retry.
   */
  compensate?: CompensationDefinition;
  /**
   * Where this step's final failure (after its retries) goes instead of failing the run: the
   * first route whose `errors` match the error's code (all errors when absent) starts its `next`
   * step, a handler, and the run continues on that path.
   */
  catch?: CatchRoute[];
}

export interface CatchRoute {
  /** Error codes with `*` wildcards, as in `retry.retryOn`; absent: any error. */
  errors?: string[];
  /** A handler step: it starts only when an error is routed to it, and has no `needs`. */
  next: string;
}

/** An action that undoes a completed step: an http call, a publish or a worker task. */
export type CompensationDefinition =
  | (Pick<HttpStepDefinition, 'type' | 'with'> & { retry?: RetryPolicy })
  | (Pick<PublishStepDefinition, 'type' | 'subject' | 'eventType' | 'data'> & { retry?: RetryPolicy })
  | (Pick<TaskStepDefinition, 'type' | 'taskType' | 'input'> & { retry?: RetryPolicy });

export type CompensationType = CompensationDefinition['type'];
export const COMPENSATION_TYPES: readonly CompensationType[] = ['http', 'publish', 'task'];

export interface HttpStepDefinition extends StepCommon {
  type: 'http';
  with: {
    method: string;
    url: Template;
    headers?: Record<string, Template>;
    body?: Template;
    /** Request timeout as a duration; defaults to the step timeout. */
    timeout?: string;
  };
}

export interface PublishStepDefinition extends StepCommon {
  type: 'publish';
  /** NATS subject the CloudEvent is published to. */
  subject: string;
  /** CloudEvent type; defaults to the subject without `baton.events.`. */
  eventType?: string;
  data?: Template;
}

export interface TaskStepDefinition extends StepCommon {
  type: 'task';
  /** Work is published to `baton.tasks.<taskType>` for an external worker. */
  taskType: string;
  input?: Template;
}

export interface TransformStepDefinition extends StepCommon {
  type: 'transform';
  output: Template;
}

export interface DelayStepDefinition extends StepCommon {
  type: 'delay';
  /** How long to wait, e.g. `30s`, `2h`. */
  duration?: string;
  /** Or until when: a template giving an ISO-8601 instant, e.g. `${ input.shipAt }`. */
  until?: Template;
}

export interface ApprovalStepDefinition extends StepCommon {
  type: 'approval';
  /** Applied when `timeout` passes without a decision; without it the step fails on timeout. */
  defaultDecision?: 'approved' | 'rejected';
}

export interface FailStepDefinition extends StepCommon {
  type: 'fail';
  /** The run's error message; a template. */
  error?: Template;
}

export interface SucceedStepDefinition extends StepCommon {
  type: 'succeed';
  /** The run's output; a template. Steps not started yet are skipped. */
  output?: Template;
}

/** Runs the steps of the first case whose `when` holds (or `default`); the others are skipped. */
export interface SwitchStepDefinition extends StepCommon {
  type: 'switch';
  cases: { when: Condition; steps: StepDefinition[] }[];
  default?: StepDefinition[];
}

/**
 * How a `parallel` step treats a branch that fails (its failure not caught inside the branch):
 * `failFast` fails the step at once, calling off what has not started; `waitAll` lets the other
 * branches finish first, then fails the step.
 */
export type ParallelMode = 'failFast' | 'waitAll';
export const PARALLEL_MODES: readonly ParallelMode[] = ['failFast', 'waitAll'];

/**
 * Runs every branch side by side and joins them. A branch failure fails the step (see `mode`),
 * whose own `catch` may route it; otherwise the failure goes on to the enclosing step or the run.
 */
export interface ParallelStepDefinition extends StepCommon {
  type: 'parallel';
  branches: { steps: StepDefinition[] }[];
  /** Default `failFast`. */
  mode?: ParallelMode;
}

/**
 * Starts a run of another workflow (the child) and completes with its output; the child's failure,
 * time-out or cancellation fails this step. Cancelling or failing the parent cancels the child.
 */
export interface SubWorkflowStepDefinition extends StepCommon {
  type: 'subWorkflow';
  /** Name of the child workflow. */
  workflow: string;
  /** The version to run; absent: the latest when the step starts. */
  version?: number;
  /** The child's input (a template); defaults to `{}`. */
  input?: Template;
}

/**
 * Waits for a CloudEvent of type `event` (published on `baton.events.<event>`) for which `match`
 * holds; its output is the event. `timeout` bounds the wait. Events that arrived shortly before
 * the wait began (within the platform's buffer window) count too.
 */
export interface WaitForEventStepDefinition extends StepCommon {
  type: 'waitForEvent';
  event: string;
  /** Bare expression over `event` and the run's scope, e.g. `event.data.orderId = input.orderId`; absent: any event of the type. */
  match?: Condition;
}

/**
 * Runs its `step` once per item of `items`, at most `concurrency` at a time, and outputs the
 * results in item order. Each run of the step sees `item` and `index`; it retries, times out,
 * is caught and compensated like any step. The first failure that is not caught fails the run.
 */
export interface ForEachStepDefinition extends StepCommon {
  type: 'forEach';
  /** A template giving a list, e.g. `${ input.customers }`. */
  items: Template;
  /** How many items run at once (required: an unbounded fan-out is refused). */
  concurrency: number;
  /** What to do per item: an http, publish, task, transform or subWorkflow step, without `id` and `needs`. */
  step: IterationStepDefinition;
}

/** `Omit` applied to each member of a union (the built-in one collapses a union to its common keys). */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export type IterationStepDefinition = OmitEach<
  HttpStepDefinition | PublishStepDefinition | TaskStepDefinition | TransformStepDefinition | SubWorkflowStepDefinition,
  'id' | 'needs'
>;

export type StepDefinition =
  | ForEachStepDefinition
  | SwitchStepDefinition
  | ParallelStepDefinition
  | HttpStepDefinition
  | PublishStepDefinition
  | TaskStepDefinition
  | TransformStepDefinition
  | DelayStepDefinition
  | ApprovalStepDefinition
  | FailStepDefinition
  | SucceedStepDefinition
  | SubWorkflowStepDefinition
  | WaitForEventStepDefinition;

export type StepType = StepDefinition['type'];

export const STEP_TYPES: readonly StepType[] = [
  'http',
  'publish',
  'task',
  'transform',
  'delay',
  'approval',
  'fail',
  'succeed',
  'switch',
  'parallel',
  'forEach',
  'subWorkflow',
  'waitForEvent',
];

/** A run's final statuses, its SLA alerts, and an approval step beginning to wait. */
export type NotificationEvent =
  'completed' | 'failed' | 'compensated' | 'cancelled' | 'timed_out' | 'sla_at_risk' | 'sla_breached' | 'approval_requested';

/** A signed JSON POST (`X-Baton-Signature` when `secret` is set). */
export interface WebhookChannel {
  url: string;
  /** HMAC-SHA256 signing key; plain text or `${ secrets.<name> }`. */
  secret?: string;
  headers?: Record<string, string>;
}

/** A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat…): `{text, blocks}`. */
export interface ChatChannel {
  url: string;
}

/** An e-mail through the SMTP server of `BATON_SMTP_URL`. */
export interface EmailChannel {
  to: string[];
}

/** A JSON message published to a NATS subject (JetStream when a stream covers it). */
export interface NatsChannel {
  subject: string;
}

export const NOTIFICATION_CHANNELS = ['webhook', 'chat', 'email', 'nats'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

/** Exactly one channel per rule. */
export interface NotificationRule {
  on: NotificationEvent[];
  webhook?: WebhookChannel;
  chat?: ChatChannel;
  email?: EmailChannel;
  nats?: NatsChannel;
}

/** The run should end within `duration`; `sla_at_risk` is raised when the predicted breach probability reaches `atRiskProbability`. */
export interface SlaDefinition {
  duration: string;
  atRiskProbability: number;
}

/** What expressions can see (DESIGN.md §3). */
export interface Scope {
  input?: unknown;
  steps?: Record<string, { output?: unknown; error?: unknown }>;
  event?: unknown;
  run?: { id: string; workflow: string; version: number; startedAt?: string };
  /** A schedule trigger's `input`: the schedule and the (nominal) time of this fire. */
  schedule?: { id: string; fireTime: string };
  /** Inside a `forEach` step: the current item and its position. */
  item?: unknown;
  index?: number;
  secrets?: Record<string, string>;
}

/** A problem found in a definition, an event or an input, with the JSON path of the culprit. */
export interface FieldError {
  /**
   * Dotted path with array indices, e.g. `steps[2].with.url`; `''` for the whole document.
   * Keys that are not identifiers are quoted in brackets: `steps[0].with.headers["Content-Type"]`.
   */
  path: string;
  message: string;
}
