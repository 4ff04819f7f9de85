import { type DynamicModule, Module } from '@nestjs/common';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { BatonConfig } from '@baton/config';
import { DataSource, type DataSourceOptions, type EntitySchema, type MixedList } from 'typeorm';
import { ensureDatabase, ensureSchema } from './database-bootstrap';

export interface ServicePersistenceOptions {
  /** The PostgreSQL schema this service owns; no other service reads it. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  poolSize?: number;
}

/** The service's own data source, whatever its name; for code shared by every service (health). */
export const SERVICE_DATA_SOURCE = Symbol('BATON_SERVICE_DATA_SOURCE');

/**
 * The service's TypeORM data source on its own schema, named after the schema (inject it with
 * `@InjectDataSource('<schema>')`, repositories with `@InjectRepository(Entity, '<schema>')`). At start it creates the database and the
 * schema when missing and runs pending migrations, so `npm start` works on an empty server.
 */
@Module({})
export class PersistenceModule {
  static forService(options: ServicePersistenceOptions): DynamicModule {
    return {
      module: PersistenceModule,
      imports: [
        TypeOrmModule.forRootAsync({
          name: options.schema,
          inject: [BatonConfig],
          useFactory: async (config: BatonConfig) => {
            await ensureDatabase(config.DATABASE_URL);
            await ensureSchema(config.DATABASE_URL, options.schema);
            return {
              name: options.schema,
              type: 'postgres' as const,
              url: config.DATABASE_URL,
              schema: options.schema,
              entities: options.entities,
              migrations: options.migrations,
              migrationsTableName: 'migrations',
              synchronize: false,
              logging: false,
              extra: { max: options.poolSize ?? 10, application_name: `baton-${options.schema}` },
            };
          },
          dataSourceFactory: async (dataSourceOptions?: DataSourceOptions) => {
            const dataSource = await new DataSource(dataSourceOptions as DataSourceOptions).initialize();
            await runMigrationsExclusively(dataSource, options.schema);
            return dataSource;
          },
        }),
      ],
      providers: [{ provide: SERVICE_DATA_SOURCE, useExisting: getDataSourceToken(options.schema) }],
      exports: [SERVICE_DATA_SOURCE],
    };
  }
}

/** Replicas of a service may start together on a fresh database: one migrates, the others wait. */
async function runMigrationsExclusively(dataSource: DataSource, schema: string): Promise<void> {
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`baton-migrations:${schema}`]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [`baton-migrations:${schema}`]).catch(() => undefined);
    await lock.release();
  }
}
