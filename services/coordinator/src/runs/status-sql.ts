import { ACTIVE_RUN_STATUSES } from '@baton/contracts';

/**
 * `('running', 'waiting', …)` for `"status" IN …`: written out rather than bound, so that the query
 * matches the partial index on unreported SLA runs (1764400000000-sla-alerts), whose predicate is
 * the same list.
 */
export const ACTIVE_STATUSES_SQL = `(${ACTIVE_RUN_STATUSES.map((status) => `'${status}'`).join(', ')})`;
