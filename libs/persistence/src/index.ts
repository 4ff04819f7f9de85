export { ensureDatabase, ensureSchema } from './database-bootstrap';
export { PersistenceModule, SERVICE_DATA_SOURCE } from './persistence.module';
export type { ServicePersistenceOptions } from './persistence.module';
export { jsonbRow, jsonbRows } from './jsonb-rows';
