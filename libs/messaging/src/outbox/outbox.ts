import type { PayloadOf, Subject } from '@baton/contracts';
import { injectTraceHeaders } from '@baton/telemetry';
import type { EntityManager } from 'typeorm';

export interface OutboxMessage<S extends Subject = Subject> {
  subject: S;
  payload: PayloadOf<S>;
  /** Becomes `Nats-Msg-Id`, so a relay that publishes twice after a crash is deduplicated by JetStream. */
  msgId: string;
  /** Not published before this instant: a durable delay that survives restarts. */
  notBefore?: Date;
}

/** The outbox table of one service schema; create it from a migration with {@link outboxTableSql}. */
export function outboxTableSql(schema: string): string[] {
  return [
    `CREATE TABLE "${schema}"."outbox" (
      "id" bigserial PRIMARY KEY,
      "subject" text NOT NULL,
      "msg_id" text NOT NULL,
      "payload" jsonb NOT NULL,
      "trace_headers" jsonb NOT NULL DEFAULT '{}',
      "not_before" timestamptz NOT NULL DEFAULT now(),
      "created_at" timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE INDEX "outbox_due_idx" ON "${schema}"."outbox" ("not_before", "id")`,
    `CREATE INDEX "outbox_msg_id_idx" ON "${schema}"."outbox" ("msg_id")`,
  ];
}

/** Writes messages in the caller's transaction; the {@link OutboxRelay} publishes them after commit. */
export class Outbox {
  constructor(readonly schema: string) {}

  /** Drops messages not yet published, by message id: how a delayed message (a timer) is called off. */
  async discard(manager: EntityManager, msgIds: string[]): Promise<void> {
    if (msgIds.length === 0) return;
    await manager.query(`DELETE FROM "${this.schema}"."outbox" WHERE "msg_id" = ANY($1::text[])`, [msgIds]);
  }

  async enqueue(manager: EntityManager, messages: OutboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const traceHeaders = JSON.stringify(injectTraceHeaders());
    const values: unknown[] = [];
    const rows = messages.map((m, i) => {
      // Immediate messages take the database's now(), so that only timers have `not_before` after `created_at`.
      values.push(m.subject, m.msgId, JSON.stringify(m.payload), traceHeaders, m.notBefore ?? null);
      const p = i * 5;
      return `($${p + 1}, $${p + 2}, $${p + 3}::jsonb, $${p + 4}::jsonb, COALESCE($${p + 5}::timestamptz, now()))`;
    });
    await manager.query(
      `INSERT INTO "${this.schema}"."outbox" ("subject", "msg_id", "payload", "trace_headers", "not_before") VALUES ${rows.join(', ')}`,
      values,
    );
  }
}
