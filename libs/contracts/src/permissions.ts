/** Roles an API key (or a token) carries, weakest first: each may do everything the ones before it may. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Who may do what, for every admin operation of every transport (HTTP now, gRPC next): the weakest
 * role allowed. One table, so the transports cannot disagree.
 */
export const PERMISSIONS = {
  'definitions.read': 'viewer',
  'definitions.validate': 'operator',
  'definitions.register': 'admin',
  'runs.read': 'viewer',
  'runs.start': 'operator',
  'runs.operate': 'operator',
  'runs.signal': 'operator',
  'events.publish': 'operator',
  'events.read-rejected': 'viewer',
  'schedules.read': 'viewer',
  'schedules.operate': 'operator',
  'insights.read': 'viewer',
  'notifications.read': 'viewer',
  'notifications.manage-rules': 'admin',
  'audit.read': 'admin',
} as const satisfies Record<string, Role>;

export type Permission = keyof typeof PERMISSIONS;

export function roleAllows(role: Role, permission: Permission): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(PERMISSIONS[permission]);
}

/** One line of the audit log (`GET /v1/audit`): a mutating call, or a denied one. */
export interface AuditRecord {
  /** Stream sequence; the list's cursor. */
  seq?: number;
  at: string;
  /** `key:<first 8 hex of the key's SHA-256>` (never the key), or `anonymous` when keys are not configured. */
  principal: string;
  role?: Role;
  method: string;
  path: string;
  permission?: Permission;
  outcome: 'allowed' | 'denied';
  /** HTTP status of the answer. */
  status: number;
  reason?: string;
  traceId?: string;
}
