import { Injectable, Logger } from '@nestjs/common';
import { BatonConfig } from '@baton/config';
import { roleAllows, type AuditRecord, type Permission, type Role } from '@baton/contracts';
import { activeTraceId } from '@baton/telemetry';
import { AuditLog } from '../audit/audit-log';
import { findApiKey, parseApiKeys, type ApiKey } from './api-keys';
import { looksLikeJwt, OidcTokens } from './oidc-tokens';

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
  private readonly tokens?: OidcTokens;

  constructor(
    private readonly audit: AuditLog,
    config: BatonConfig,
  ) {
    this.keys = parseApiKeys(config.BATON_API_KEYS);
    if (config.BATON_OIDC_JWKS_URL) {
      this.tokens = new OidcTokens({
        jwksUrl: config.BATON_OIDC_JWKS_URL,
        issuer: config.BATON_OIDC_ISSUER,
        audience: config.BATON_OIDC_AUDIENCE,
        roleClaim: config.BATON_OIDC_ROLE_CLAIM,
      });
    }
  }

  /** The caller, or AccessDeniedError. `authorization` is the raw header or metadata value. */
  async authorize(authorization: string | undefined, permission: Permission, call: CallDescription): Promise<Caller> {
    if (this.keys.length === 0 && !this.tokens) return { principal: 'anonymous', permission };
    const presented = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (presented === undefined)
      return this.refuse(call, { principal: 'unauthenticated', permission }, 401, 'no API key: send Authorization: Bearer <key>');
    const identified = await this.identify(presented);
    if ('reason' in identified) return this.refuse(call, { principal: 'unauthenticated', permission }, 401, identified.reason);
    const caller: Caller = { principal: identified.principal, role: identified.role, permission };
    if (!identified.role) return this.refuse(call, caller, 403, `the token carries no Baton role`);
    if (!roleAllows(identified.role, permission)) return this.refuse(call, caller, 403, `role ${identified.role} may not ${permission}`);
    return caller;
  }

  /** An API key, else (with OIDC configured) a JWT of the identity provider. */
  private async identify(presented: string): Promise<{ principal: string; role?: Role } | { reason: string }> {
    const key = findApiKey(this.keys, presented);
    if (key) return key;
    if (this.tokens && looksLikeJwt(presented)) {
      const checked = await this.tokens.check(presented);
      return checked.ok ? checked : { reason: checked.reason };
    }
    return { reason: 'unknown API key' };
  }

  private async refuse(call: CallDescription, caller: Caller, status: 401 | 403, reason: string): Promise<never> {
    await this.deny(call, caller, status, reason);
    throw new AccessDeniedError(status, reason);
  }

  /** Records a call that changed something, with the status it was answered with. */
  recordAllowed(caller: Caller, call: CallDescription, status: number, traceId: string | undefined): Promise<void> {
    return this.record({ caller, call, outcome: 'allowed', status, traceId });
  }

  private async deny(call: CallDescription, caller: Caller, status: number, reason: string): Promise<void> {
    this.logger.warn(`${status} ${call.method} ${call.path} for ${caller.principal}: ${reason}`);
    await this.record({ caller, call, outcome: 'denied', status, reason, traceId: activeTraceId() });
  }

  private record(entry: {
    caller: Caller;
    call: CallDescription;
    outcome: AuditRecord['outcome'];
    status: number;
    reason?: string;
    traceId?: string;
  }) {
    const { caller, call, traceId, ...rest } = entry;
    return this.audit.record({ at: new Date().toISOString(), ...caller, ...call, ...rest, ...(traceId ? { traceId } : {}) });
  }
}
