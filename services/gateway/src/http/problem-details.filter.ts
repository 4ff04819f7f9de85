import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { RpcProblemError, type RpcProblem } from '@baton/contracts';
import type { Request, Response } from 'express';

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

/** Renders every error as RFC 9457 `application/problem+json`, with `errors[{path, message}]` for validation. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemDetailsFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const problem = this.toProblem(exception);
    if (problem.status >= 500) this.logger.error(`${request.method} ${request.url}: ${(exception as Error)?.stack ?? String(exception)}`);
    response
      .status(problem.status)
      .type('application/problem+json')
      .json({ type: 'about:blank', ...problem, instance: request.originalUrl });
  }

  private toProblem(exception: unknown): RpcProblem {
    if (exception instanceof RpcProblemError) return exception.problem;
    if (exception instanceof HttpException) return this.fromHttpException(exception);
    const parserError = exception as BodyParserError;
    if (parserError?.type === 'entity.too.large') {
      return { status: 413, title: 'Content Too Large', detail: `request body exceeds the limit of ${parserError.limit} bytes` };
    }
    if (parserError?.type === 'entity.parse.failed') {
      return {
        status: 400,
        title: 'Bad Request',
        detail: `request body is not valid JSON: ${(exception as Error).message}`,
        errors: [{ path: '', message: 'malformed JSON' }],
      };
    }
    if (typeof parserError?.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
      return { status: parserError.status as RpcProblem['status'], title: 'Bad Request', detail: (exception as Error).message };
    }
    return { status: 500, title: 'Internal Server Error', detail: 'an unexpected error occurred; it has been logged' };
  }

  /** Nest's and Terminus' exceptions; their extra fields (e.g. the health `details`) are kept as extension members. */
  private fromHttpException(exception: HttpException): RpcProblem & Record<string, unknown> {
    const status = exception.getStatus() as RpcProblem['status'];
    const body = exception.getResponse();
    const {
      message,
      error,
      statusCode,
      status: nestStatus,
      ...extensions
    } = typeof body === 'string' ? { message: body } : (body as { message?: string | string[]; [key: string]: unknown });
    return {
      ...extensions,
      status,
      title: HttpStatus[status] ? titleCase(HttpStatus[status]) : exception.name,
      detail: Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : exception.message,
    };
  }
}

function titleCase(constant: string): string {
  return constant
    .toLowerCase()
    .split('_')
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join(' ');
}
