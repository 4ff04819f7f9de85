import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Every Prometheus metric Baton exports, in one process-wide registry. The all-in-one process
 * hosts six services, so series that differ per service carry the consumer, schema or channel
 * as a label instead of relying on a per-process `service` label.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'baton_' });

/** Seconds; from a fast transform step to a day-long approval. */
const DURATION_BUCKETS = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 86400];
const LATENESS_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];

/** Gauges read at scrape time from a live source (JetStream consumer info, an outbox count). */
type Probe = () => Promise<Array<{ labels: Record<string, string>; value: number }>>;
const probesOf = new Map<Gauge, Probe[]>();

function probedGauge(name: string, help: string, labelNames: string[]): Gauge {
  const gauge: Gauge = new Gauge({
    name,
    help,
    labelNames,
    registers: [metricsRegistry],
    async collect() {
      gauge.reset();
      const readings = await Promise.allSettled((probesOf.get(gauge) ?? []).map((probe) => probe()));
      // A probe that cannot answer now (NATS reconnecting) leaves its series out of this scrape.
      for (const reading of readings) {
        if (reading.status === 'fulfilled') for (const { labels, value } of reading.value) gauge.set(labels, value);
      }
    },
  });
  return gauge;
}

export const Metrics = {
  runsStarted: new Counter({
    name: 'baton_runs_started_total',
    help: 'Runs that began running, by workflow',
    labelNames: ['workflow'],
    registers: [metricsRegistry],
  }),
  runsEnded: new Counter({
    name: 'baton_runs_ended_total',
    help: 'Runs that reached a final status (completed, failed, compensated, cancelled, timed_out), by workflow',
    labelNames: ['workflow', 'status'],
    registers: [metricsRegistry],
  }),
  runDuration: new Histogram({
    name: 'baton_run_duration_seconds',
    help: 'Run duration from start to final status',
    labelNames: ['workflow', 'status'],
    buckets: DURATION_BUCKETS,
    registers: [metricsRegistry],
  }),
  stepAttempts: new Counter({
    name: 'baton_step_attempts_total',
    help: 'Step attempts that ended, by step type and outcome (completed, failed)',
    labelNames: ['workflow', 'step_type', 'outcome'],
    registers: [metricsRegistry],
  }),
  stepDuration: new Histogram({
    name: 'baton_step_duration_seconds',
    help: 'Step duration from its first attempt to its final status, by step type',
    labelNames: ['workflow', 'step_type', 'status'],
    buckets: DURATION_BUCKETS,
    registers: [metricsRegistry],
  }),
  queueWait: new Histogram({
    name: 'baton_queue_wait_seconds',
    help: 'Time a message spent in its JetStream stream before a consumer took it',
    labelNames: ['consumer'],
    buckets: LATENESS_BUCKETS,
    registers: [metricsRegistry],
  }),
  consumerPending: probedGauge(
    'baton_consumer_pending_messages',
    'Messages in the stream not yet delivered to the durable consumer (queue lag)',
    ['consumer'],
  ),
  consumerAckPending: probedGauge(
    'baton_consumer_ack_pending_messages',
    'Messages delivered to the durable consumer and not yet acknowledged',
    ['consumer'],
  ),
  outboxBacklog: probedGauge('baton_outbox_backlog', 'Outbox messages due for publishing and not yet relayed', ['schema']),
  timersScheduled: probedGauge('baton_timers_scheduled', 'Durable timers (delayed outbox messages) not yet due', ['schema']),
  timerLateness: new Histogram({
    name: 'baton_timer_lateness_seconds',
    help: 'How long after its due time a durable timer was published',
    labelNames: ['schema'],
    buckets: LATENESS_BUCKETS,
    registers: [metricsRegistry],
  }),
  notificationDeliveries: new Counter({
    name: 'baton_notification_deliveries_total',
    help: 'Notification delivery attempts by channel and outcome (delivered, failed, dead_lettered)',
    labelNames: ['channel', 'outcome'],
    registers: [metricsRegistry],
  }),
  slaEvents: new Counter({
    name: 'baton_sla_events_total',
    help: 'SLA alerts raised, by workflow and event (sla_at_risk, sla_breached)',
    labelNames: ['workflow', 'event'],
    registers: [metricsRegistry],
  }),
  httpRequests: new Histogram({
    name: 'baton_http_request_duration_seconds',
    help: 'Admin API requests by method, route and status code',
    labelNames: ['method', 'route', 'status'],
    buckets: LATENESS_BUCKETS,
    registers: [metricsRegistry],
  }),
} as const;

/** Adds a live source to a probed gauge; returns the function that removes it (on shutdown). */
export function addProbe(gauge: Gauge, probe: Probe): () => void {
  probesOf.set(gauge, [...(probesOf.get(gauge) ?? []), probe]);
  return () =>
    probesOf.set(
      gauge,
      (probesOf.get(gauge) ?? []).filter((p) => p !== probe),
    );
}

/** The registry in Prometheus text format, for `GET /metrics`. */
export async function renderMetrics(): Promise<{ contentType: string; body: string }> {
  return { contentType: metricsRegistry.contentType, body: await metricsRegistry.metrics() };
}
