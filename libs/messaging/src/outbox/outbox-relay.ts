import { Logger } from '@nestjs/common';
import { addProbe, extractTraceContext, Metrics, recordSpan, serviceTracer, type CarrierHeaders } from '@baton/telemetry';
import type { DataSource } from 'typeorm';
import type { JetStreamPublisher } from '../jetstream/jetstream-publisher';
import { encodeJson } from '../message-headers';
import { PollingLoop } from '../polling-loop';

interface OutboxRow {
  id: string;
  subject: string;
  msg_id: string;
  payload: unknown;
  trace_headers: CarrierHeaders;
  created_at: Date;
  not_before: Date;
  /** Set for a durable timer (a row written to be published later): how late past its due time it is now. */
  late_ms: number | null;
}

const BATCH_SIZE = 256;
const POLL_INTERVAL_MS = 100;
const RETRY_DELAY_MS = 1000;

/**
 * Publishes committed outbox rows to JetStream and deletes them. Rows are claimed with
 * `FOR UPDATE SKIP LOCKED`, so several replicas relay side by side; a crash between publish and
 * delete republishes with the same `Nats-Msg-Id`, which JetStream drops as a duplicate.
 * `kick()` after a commit publishes at once; polling picks up delayed rows and anything missed.
 */
export class OutboxRelay {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly loop: PollingLoop;
  private removeProbes?: () => void;

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: JetStreamPublisher,
    private readonly schema: string,
  ) {
    this.loop = new PollingLoop(`outbox relay (${schema})`, POLL_INTERVAL_MS, () => this.relayOnce(), this.logger, RETRY_DELAY_MS);
  }

  onApplicationBootstrap(): void {
    this.loop.start();
    this.removeProbes = this.probeBacklog();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.removeProbes?.();
    await this.loop.stop();
  }

  kick(): void {
    this.loop.wake();
  }

  /** One batch; then at once again after a full batch, and after a pause when some rows could not be published. */
  private async relayOnce(): Promise<number | void> {
    const batch = await this.relayBatch();
    if (batch.held > 0) return RETRY_DELAY_MS;
    if (batch.published === BATCH_SIZE) return 0;
  }

  private relayBatch(): Promise<{ published: number; held: number }> {
    return this.dataSource.transaction(async (manager) => {
      const rows = (await manager.query(
        `SELECT "id", "subject", "msg_id", "payload", "trace_headers", "created_at", "not_before",
                CASE WHEN "not_before" > "created_at" THEN EXTRACT(EPOCH FROM (clock_timestamp() - "not_before")) * 1000 END AS "late_ms"
         FROM "${this.schema}"."outbox"
         WHERE "not_before" <= now() ORDER BY "id" LIMIT ${BATCH_SIZE} FOR UPDATE SKIP LOCKED`,
      )) as OutboxRow[];
      if (rows.length === 0) return { published: 0, held: 0 };
      const outcomes = await Promise.allSettled(
        rows.map((row) =>
          this.publisher.publishRaw(row.subject, encodeJson(row.payload), { msgId: row.msg_id, traceHeaders: this.traceHeadersOf(row) }),
        ),
      );
      // Each row stands alone: one that cannot be published now stays for the next pass
      // without holding back the others.
      const published = rows.filter((_, i) => outcomes[i].status === 'fulfilled').map((r) => r.id);
      const firstFailure = outcomes.findIndex((o) => o.status === 'rejected');
      if (firstFailure >= 0) {
        const reason = (outcomes[firstFailure] as PromiseRejectedResult).reason as Error;
        const held = rows.length - published.length;
        this.logger.warn(
          `outbox (${this.schema}): ${held} message(s) held for retry, e.g. to ${rows[firstFailure].subject}: ${reason.message}`,
        );
      }
      for (const [i, row] of rows.entries()) {
        if (outcomes[i].status === 'fulfilled' && row.late_ms !== null) {
          Metrics.timerLateness.observe({ schema: this.schema }, Math.max(0, Number(row.late_ms)) / 1000);
        }
      }
      if (published.length > 0) {
        await manager.query(`DELETE FROM "${this.schema}"."outbox" WHERE "id" = ANY($1::bigint[])`, [published]);
      }
      return { published: published.length, held: rows.length - published.length };
    });
  }

  /**
   * A timer's wait gets a span of its own in the trace it was set in (from when it was set to now),
   * and the message it releases follows from that span; other rows keep the context they were written in.
   */
  private traceHeadersOf(row: OutboxRow): CarrierHeaders {
    if (row.late_ms === null) return row.trace_headers;
    return recordSpan(serviceTracer(this.schema), `timer ${row.subject}`, {
      parent: extractTraceContext(row.trace_headers),
      startTime: new Date(row.created_at),
      endTime: new Date(),
      attributes: {
        'baton.timer.due_at': new Date(row.not_before).toISOString(),
        'baton.timer.lateness_ms': Math.round(Number(row.late_ms)),
      },
    });
  }

  /** Due messages not yet relayed, and timers still waiting, counted at scrape time. */
  private probeBacklog(): () => void {
    const labels = { schema: this.schema };
    const count = async (condition: string) => {
      const [row] = (await this.dataSource.query(`SELECT count(*)::int AS "n" FROM "${this.schema}"."outbox" WHERE ${condition}`)) as [
        { n: number },
      ];
      return [{ labels, value: row.n }];
    };
    const removers = [
      addProbe(Metrics.outboxBacklog, () => count(`"not_before" <= now()`)),
      addProbe(Metrics.timersScheduled, () => count(`"not_before" > now()`)),
    ];
    return () => removers.forEach((remove) => remove());
  }
}
