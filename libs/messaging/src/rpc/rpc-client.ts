import { Injectable } from '@nestjs/common';
import { RpcProblemError, type RpcPattern, type RpcReply, type RpcReplyValue, type RpcRequest } from '@baton/contracts';
import { injectTraceHeaders } from '@baton/telemetry';
import { errors } from '@nats-io/transport-node';
import { decodeText, encodeJson, toNatsHeaders } from '../message-headers';
import { NatsClient } from '../nats-client';
import { asPayloadProblem } from '../payload-limit';

const DEFAULT_TIMEOUT_MS = 10_000;

/** Typed request/reply over NATS core, carrying the caller's trace context. */
@Injectable()
export class RpcClient {
  constructor(private readonly nats: NatsClient) {}

  /** Resolves with the reply value; rejects with an {@link RpcProblemError} the caller can render. */
  async call<P extends RpcPattern>(pattern: P, request: RpcRequest<P>, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<RpcReplyValue<P>> {
    let reply: RpcReply<RpcReplyValue<P>>;
    try {
      const msg = await this.nats.nc.request(this.nats.subject(pattern), encodeJson(request), {
        timeout: timeoutMs,
        headers: toNatsHeaders(injectTraceHeaders()),
      });
      reply = JSON.parse(decodeText(msg.data)) as RpcReply<RpcReplyValue<P>>;
    } catch (error) {
      const unavailable =
        error instanceof errors.NoRespondersError || error instanceof errors.TimeoutError || error instanceof errors.RequestError;
      if (!unavailable) throw asPayloadProblem(error);
      const owner = pattern.split('.')[2];
      throw new RpcProblemError({
        status: 503,
        title: 'Service Unavailable',
        detail: `the ${owner} service did not answer: ${(error as Error).message}`,
      });
    }
    if (!reply.ok) throw new RpcProblemError(reply.problem);
    return reply.value;
  }
}
