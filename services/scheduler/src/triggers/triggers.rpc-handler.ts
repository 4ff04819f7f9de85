import { Injectable } from '@nestjs/common';
import { CursorShapes, decodeCursor, encodeCursor, type RpcReplyValue, type RpcRequest } from '@baton/contracts';
import { RpcHandler } from '@baton/messaging';
import { RejectedEventsRepository } from './rejected-events.repository';

@Injectable()
export class TriggersRpcHandler {
  constructor(private readonly rejected: RejectedEventsRepository) {}

  @RpcHandler('baton.rpc.scheduler.rejected-events')
  async rejectedEvents(
    request: RpcRequest<'baton.rpc.scheduler.rejected-events'>,
  ): Promise<RpcReplyValue<'baton.rpc.scheduler.rejected-events'>> {
    const [beforeId] = decodeCursor(request.cursor, CursorShapes.numericId) ?? [];
    const rows = await this.rejected.list(request.limit + 1, beforeId === undefined ? undefined : String(beforeId));
    const items = rows.slice(0, request.limit);
    return {
      items: items.map((row) => ({
        id: row.id,
        subject: row.subject,
        reason: row.reason,
        errors: row.errors,
        event: row.event,
        receivedAt: row.receivedAt.toISOString(),
      })),
      nextCursor: rows.length > request.limit ? encodeCursor([items[items.length - 1].id]) : null,
    };
  }
}
