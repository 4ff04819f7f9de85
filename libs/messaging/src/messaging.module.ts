import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { DecoratedMethods } from './decorated-methods';
import { JetStreamConsumers } from './jetstream/jetstream-consumers';
import { JetStreamPublisher } from './jetstream/jetstream-publisher';
import { SubjectPublisher } from './jetstream/subject-publisher';
import { NatsClient } from './nats-client';
import { RpcClient } from './rpc/rpc-client';
import { RpcServer } from './rpc/rpc-server';

/**
 * NATS for one service: connection and streams, typed JetStream publish, durable consumers found
 * by `@OnJetStreamMessage`, request/reply responders found by `@RpcHandler`, and an RPC client.
 * Needs `BatonConfig` and `SERVICE_NAME` from the application's root module.
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [DecoratedMethods, NatsClient, JetStreamPublisher, SubjectPublisher, JetStreamConsumers, RpcServer, RpcClient],
  exports: [NatsClient, JetStreamPublisher, SubjectPublisher, RpcClient, RpcServer],
})
export class MessagingModule {}
