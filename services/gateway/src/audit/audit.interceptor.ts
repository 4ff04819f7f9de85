import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { activeTraceId } from '@baton/telemetry';
import type { Request, Response } from 'express';
import type { Observable } from 'rxjs';
import { CALLER } from '../auth/api-key.guard';
import { Authorizer, type Caller } from '../auth/authorizer';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Audits every mutating call that passed the guard, with the status it was answered with. */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(private readonly authorizer: Authorizer) {}

  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = execution.switchToHttp().getRequest<Request & { [CALLER]?: Caller }>();
    const caller = request[CALLER];
    if (caller && !READS.has(request.method)) {
      const traceId = activeTraceId();
      const response = execution.switchToHttp().getResponse<Response>();
      response.once(
        'finish',
        () => void this.authorizer.recordAllowed(caller, { method: request.method, path: request.path }, response.statusCode, traceId),
      );
    }
    return next.handle();
  }
}
