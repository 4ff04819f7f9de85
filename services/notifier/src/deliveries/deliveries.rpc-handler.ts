import { Injectable } from '@nestjs/common';
import { decodeCursor, encodeCursor, type DeliveryView, type RpcReplyValue, type RpcRequest } from '@baton/contracts';
import { RpcHandler } from '@baton/messaging';
import { DeliveriesRepository } from './deliveries.repository';
import type { DeliveryEntity } from './delivery.entity';

/** `[createdAt ISO-8601 to the microsecond, delivery id]` */
const deliveryCursor = (key: (string | number)[]) =>
  key.length === 2 && typeof key[0] === 'string' && !Number.isNaN(Date.parse(key[0])) && typeof key[1] === 'string';

@Injectable()
export class DeliveriesRpcHandler {
  constructor(private readonly deliveries: DeliveriesRepository) {}

  @RpcHandler('baton.rpc.notifier.list-deliveries')
  async list(request: RpcRequest<'baton.rpc.notifier.list-deliveries'>): Promise<RpcReplyValue<'baton.rpc.notifier.list-deliveries'>> {
    const key = decodeCursor(request.cursor, deliveryCursor);
    const after = key === undefined ? undefined : { createdAt: String(key[0]), id: String(key[1]) };
    const rows = await this.deliveries.page(request, request.limit + 1, after);
    const items = rows.slice(0, request.limit);
    const last = rows.length > request.limit ? items[items.length - 1].key : undefined;
    return {
      items: items.map(({ delivery }) => toDeliveryView(delivery)),
      nextCursor: last ? encodeCursor([last.createdAt, last.id]) : null,
    };
  }
}

function toDeliveryView(row: DeliveryEntity): DeliveryView {
  return {
    id: row.id,
    runId: row.runId,
    workflow: row.workflow,
    event: row.event,
    rule: row.rule,
    channel: row.channel,
    target: row.target,
    status: row.status,
    attempts: row.attempts,
    ...(row.lastError === null ? {} : { lastError: row.lastError }),
    ...(row.lastStatusCode === null ? {} : { lastStatusCode: row.lastStatusCode }),
    ...(row.nextAttemptAt === null || row.status !== 'pending' ? {} : { nextAttemptAt: row.nextAttemptAt.toISOString() }),
    ...(row.deliveredAt === null ? {} : { deliveredAt: row.deliveredAt.toISOString() }),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
