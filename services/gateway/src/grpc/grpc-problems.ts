import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { RpcProblemError, type RpcProblem } from '@baton/contracts';
import { AccessDeniedError } from '../auth/authorizer';

const CODES: Record<number, status> = {
  400: status.INVALID_ARGUMENT,
  401: status.UNAUTHENTICATED,
  403: status.PERMISSION_DENIED,
  404: status.NOT_FOUND,
  409: status.FAILED_PRECONDITION,
  413: status.RESOURCE_EXHAUSTED,
  422: status.INVALID_ARGUMENT,
  503: status.UNAVAILABLE,
};

/** Trailer carrying the RFC 9457 problem as JSON, with `errors[{path, message}]` for validation. */
export const PROBLEM_TRAILER = 'baton-problem-bin';

/**
 * The gRPC status of an error: the same problem the HTTP API answers with, its status mapped to a
 * gRPC code and the problem itself in a binary trailer.
 */
export function toServiceError(error: unknown): Partial<ServiceError> {
  const problem: RpcProblem =
    error instanceof RpcProblemError
      ? error.problem
      : error instanceof AccessDeniedError
        ? { status: error.status, title: error.status === 401 ? 'Unauthorized' : 'Forbidden', detail: error.message }
        : { status: 500, title: 'Internal Server Error', detail: 'an unexpected error occurred; it has been logged' };
  const metadata = new Metadata();
  metadata.set(PROBLEM_TRAILER, Buffer.from(JSON.stringify({ type: 'about:blank', ...problem })));
  return { code: CODES[problem.status] ?? status.INTERNAL, details: problem.detail ?? problem.title, metadata };
}
