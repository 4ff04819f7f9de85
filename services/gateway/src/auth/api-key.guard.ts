import { type CanActivate, type ExecutionContext, HttpException, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { BatonConfig } from '@baton/config';
import { roleAllows, type Permission } from '@baton/contracts';
import { activeTraceId } from '@baton/telemetry';
import type { Request, Response } from 'express';
import { AuditLog } from '../audit/audit-log';
import { findApiKey, parseApiKeys, type ApiKey } from './api-keys';
import { PERMISSION } from './requires-permission.decorator';

/** Who made a call, for the audit interceptor. */
export interface Caller {
  principal: string;
  role?: ApiKey['role'];
  permission: Permission;
}

export const CALLER = Symbol('baton:caller');

/**
 * Authentication and authorisation of the admin API: with `BATON_API_KEYS` set, a route that
 * names a permission needs `Authorization: Bearer <key>` of a role allowed by the shared
 * permission table (401 without a valid key, 403 for a role that may not). Denials are audited.
 * Without keys every call is allowed: the API is then bound to loopback only.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly logger = new Logger(ApiKeyGuard.name);
  private readonly keys: ApiKey[];

  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditLog,
    config: BatonConfig,
  ) {
    this.keys = parseApiKeys(config.BATON_API_KEYS);
  }

  async canActivate(execution: ExecutionContext): Promise<boolean> {
    const permission = this.reflector.getAllAndOverride<Permission | undefined>(PERMISSION, [execution.getHandler(), execution.getClass()]);
    if (permission === undefined) return true;
    const request = execution.switchToHttp().getRequest<Request & { [CALLER]?: Caller }>();
    if (this.keys.length === 0) {
      request[CALLER] = { principal: 'anonymous', permission };
      return true;
    }
    const presented = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const key = presented === undefined ? undefined : findApiKey(this.keys, presented);
    if (!key) {
      const reason = presented === undefined ? 'no API key: send Authorization: Bearer <key>' : 'unknown API key';
      await this.deny(request, { principal: 'unauthenticated', permission }, 401, reason);
      execution.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="baton"');
      throw new HttpException(reason, 401);
    }
    if (!roleAllows(key.role, permission)) {
      const reason = `role ${key.role} may not ${permission}`;
      await this.deny(request, { principal: key.principal, role: key.role, permission }, 403, reason);
      throw new HttpException(reason, 403);
    }
    request[CALLER] = { principal: key.principal, role: key.role, permission };
    return true;
  }

  private async deny(request: Request, caller: Caller, status: number, reason: string): Promise<void> {
    this.logger.warn(`${status} ${request.method} ${request.path} for ${caller.principal}: ${reason}`);
    await this.audit.record({
      at: new Date().toISOString(),
      ...caller,
      method: request.method,
      path: request.path,
      outcome: 'denied',
      status,
      reason,
      ...(activeTraceId() ? { traceId: activeTraceId() } : {}),
    });
  }
}
