import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';

/**
 * Entities here type jsonb columns as `unknown` (they hold user data of any shape), which
 * TypeORM's insert/update typings cannot express. This is the one place that bridges the two.
 */
export function jsonbRows<T>(values: T[]): QueryDeepPartialEntity<T>[] {
  return values as QueryDeepPartialEntity<T>[];
}

export function jsonbRow<T>(value: T): QueryDeepPartialEntity<T> {
  return value as QueryDeepPartialEntity<T>;
}
