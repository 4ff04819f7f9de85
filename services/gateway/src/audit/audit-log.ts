import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { InvalidCursorError, Streams, Subjects, type AuditRecord, type Page } from '@baton/contracts';
import { JetStreamPublisher, NatsClient } from '@baton/messaging';

/**
 * The audit log: every mutating call and every denial, appended to the `BATON_AUDIT` stream (kept
 * 90 days) and read back newest first by stream sequence.
 */
@Injectable()
export class AuditLog {
  private readonly logger = new Logger(AuditLog.name);

  constructor(
    private readonly publisher: JetStreamPublisher,
    private readonly nats: NatsClient,
  ) {}

  /** Never fails the call it records: a lost audit line is logged as an error instead. */
  async record(record: AuditRecord): Promise<void> {
    try {
      await this.publisher.publish(Subjects.audit(record.outcome), record, { msgId: `audit:${randomUUID()}` });
    } catch (error) {
      this.logger.error(`audit record not written (${record.method} ${record.path} by ${record.principal}): ${(error as Error).message}`);
    }
  }

  async page(limit: number, cursor?: string): Promise<Page<AuditRecord>> {
    const stream = this.nats.streamName(Streams.audit.name);
    const { state } = await this.nats.jsm.streams.info(stream);
    let seq = state.last_seq;
    if (cursor !== undefined) {
      if (!/^\d{1,15}$/.test(cursor)) throw new InvalidCursorError();
      seq = Math.min(Number(cursor), state.last_seq);
    }
    const items: AuditRecord[] = [];
    for (; seq >= state.first_seq && seq > 0 && items.length < limit; seq -= 1) {
      const stored = await this.nats.jsm.streams.getMessage(stream, { seq }).catch(() => null);
      if (stored) items.push({ ...stored.json<AuditRecord>(), seq });
    }
    return { items, nextCursor: seq >= state.first_seq && seq > 0 ? String(seq) : null };
  }
}
