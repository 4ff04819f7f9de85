import { Injectable, Logger } from '@nestjs/common';
import { BatonConfig } from '@baton/config';
import { roleAllows, type Permission, type Role } from '@baton/contracts';
import { activeTraceId } from '@baton/telemetry';
import { AuditLog } from '../audit/audit-log';
import { findApiKey, parseApiKeys, type ApiKey } from './api-keys';

/** Who made a call, for the audit log. */
export interface Caller {
  principal: string;
  role?: Role;
  permission: Permission;
}

/** A call refused: 401 (no or unknown key) or 403 (a role that may not). */
export class AccessDeniedError extends Error {
  override name = 'AccessDeniedError';

  constructor(
    readonly status: 401 | 403,
    message: string,
  ) {
    super(message);
  }
}

/** Names the call in the audit log: `POST /v1/runs`, or `GRPC /baton.v1.Baton/StartRun`. */
export interface CallDescription {
  method: string;
  path: string;
}

/**
 * The one place that decides whether a call may go ahead, for HTTP and gRPC alike: the bearer key
 * from `BATON_API_KEYS` and the permission table of libs/contracts. Denials are audited here;
 * allowed mutations by the transport, once answered.
 */
@Injectable()
export class Authorizer {
  private readonly logger = new Logger(Authorizer.name);
  private readonly keys: ApiKey[];

  constructor(
    private readonly audit: AuditLog,
    config: BatonConfig,
  ) {
    this.keys = parseApiKeys(config.BATON_API_KEYS);
  }

  /** The caller, or AccessDeniedError. `authorization` is the raw header or metadata value. */
  async authorize(authorization: string | undefined, permission: Permission, call: CallDescription): Promise<Caller> {
    if (this.keys.length === 0) return { principal: 'anonymous', permission };
    const presented = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    const key = presented === undefined ? undefined : findApiKey(this.keys, presented);
    if (!key) {
      const reason = presented === undefined ? 'no API key: send Authorization: Bearer <key>' : 'unknown API key';
      await this.deny(call, { principal: 'unauthenticated', permission }, 401, reason);
      throw new AccessDeniedError(401, reason);
    }
    if (!roleAllows(key.role, permission)) {
      const reason = `role ${key.role} may not ${permission}`;
      await this.deny(call, { principal: key.principal, role: key.role, permission }, 403, reason);
      throw new AccessDeniedError(403, reason);
    }
    return { principal: key.principal, role: key.role, permission };
  }

  /** Records a call that changed something, with the status it was answered with. */
  recordAllowed(caller: Caller, call: CallDescription, status: number, traceId: string | undefined): Promise<void> {
    return this.audit.record({
      at: new Date().toISOString(),
      ...caller,
      ...call,
      outcome: 'allowed',
      status,
      ...(traceId ? { traceId } : {}),
    });
  }

  private async deny(call: CallDescription, caller: Caller, status: number, reason: string): Promise<void> {
    this.logger.warn(`${status} ${call.method} ${call.path} for ${caller.principal}: ${reason}`);
    const traceId = activeTraceId();
    await this.audit.record({
      at: new Date().toISOString(),
      ...caller,
      ...call,
      outcome: 'denied',
      status,
      reason,
      ...(traceId ? { traceId } : {}),
    });
  }
}
