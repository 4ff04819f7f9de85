import { type CanActivate, type ExecutionContext, HttpException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Permission } from '@baton/contracts';
import type { Request, Response } from 'express';
import { AccessDeniedError, Authorizer, type Caller } from './authorizer';
import { PERMISSION } from './requires-permission.decorator';

export const CALLER = Symbol('baton:caller');

/**
 * The HTTP side of {@link Authorizer}: a route that names a permission needs a key whose role the
 * permission table allows (401/403 problems otherwise); routes without one are public.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authorizer: Authorizer,
  ) {}

  async canActivate(execution: ExecutionContext): Promise<boolean> {
    const permission = this.reflector.getAllAndOverride<Permission | undefined>(PERMISSION, [execution.getHandler(), execution.getClass()]);
    if (permission === undefined) return true;
    const request = execution.switchToHttp().getRequest<Request & { [CALLER]?: Caller }>();
    try {
      request[CALLER] = await this.authorizer.authorize(request.headers.authorization, permission, {
        method: request.method,
        path: request.path,
      });
      return true;
    } catch (error) {
      if (!(error instanceof AccessDeniedError)) throw error;
      if (error.status === 401) execution.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="baton"');
      throw new HttpException(error.message, error.status);
    }
  }
}
