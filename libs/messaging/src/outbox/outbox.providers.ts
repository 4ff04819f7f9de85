import type { InjectionToken, Provider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { JetStreamPublisher } from '../jetstream/jetstream-publisher';
import { Outbox } from './outbox';
import { OutboxRelay } from './outbox-relay';

/** The outbox of one service schema and the relay that publishes it, for a module's providers. */
export function outboxProviders(schema: string, dataSourceToken: InjectionToken): Provider[] {
  return [
    { provide: Outbox, useValue: new Outbox(schema) },
    {
      provide: OutboxRelay,
      inject: [dataSourceToken, JetStreamPublisher],
      useFactory: (dataSource: DataSource, publisher: JetStreamPublisher) => new OutboxRelay(dataSource, publisher, schema),
    },
  ];
}
