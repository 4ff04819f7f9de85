import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { RpcProblemError, type RpcPattern, type RpcReply } from '@baton/contracts';
import { extractTraceContext, inSpan, serviceTracer, SpanKind } from '@baton/telemetry';
import type { Msg, Subscription } from '@nats-io/transport-node';
import { DecoratedMethods } from '../decorated-methods';
import { decodeText, encodeJson, fromNatsHeaders } from '../message-headers';
import { NatsClient } from '../nats-client';
import { SERVICE_NAME } from '../tokens';
import { RPC_PATTERN } from './rpc-handler';

type Responder = (request: unknown) => Promise<unknown>;

/**
 * Subscribes every `@RpcHandler` method on its pattern, in a queue group so replicas share the load,
 * and answers with an `RpcReply`: the value, or a problem the caller can show as RFC 9457.
 */
@Injectable()
export class RpcServer implements OnApplicationBootstrap {
  private readonly logger = new Logger(RpcServer.name);
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly nats: NatsClient,
    private readonly decorated: DecoratedMethods,
    @Inject(SERVICE_NAME) private readonly serviceName: string,
  ) {}

  onApplicationBootstrap(): void {
    for (const { metadata: pattern, method } of this.decorated.find<RpcPattern, Responder>(RPC_PATTERN)) this.listen(pattern, method);
  }

  /** Answers a pattern with a function instead of a decorated method (for patterns built at run time). */
  respond(pattern: RpcPattern, responder: Responder): void {
    this.listen(pattern, responder);
  }

  private listen(pattern: RpcPattern, responder: Responder): void {
    const subject = this.nats.subject(pattern);
    this.subscriptions.push(
      this.nats.nc.subscribe(subject, {
        queue: subject,
        callback: (error, msg) => {
          if (error) this.logger.error(`${pattern}: ${error.message}`);
          else void this.answer(pattern, responder, msg);
        },
      }),
    );
  }

  private async answer(pattern: RpcPattern, responder: Responder, msg: Msg): Promise<void> {
    const reply = await inSpan(
      serviceTracer(this.serviceName),
      pattern,
      { kind: SpanKind.SERVER, parent: extractTraceContext(fromNatsHeaders(msg.headers)) },
      async (): Promise<RpcReply<unknown>> => {
        try {
          return { ok: true, value: await responder(JSON.parse(decodeText(msg.data))) };
        } catch (error) {
          if (error instanceof RpcProblemError) return { ok: false, problem: error.problem };
          this.logger.error(`${pattern} failed: ${(error as Error).stack ?? String(error)}`);
          return { ok: false, problem: { status: 500, title: 'Internal Server Error', detail: (error as Error).message } };
        }
      },
    );
    msg.respond(encodeJson(reply));
  }
}
