import { RpcProblemError } from '@baton/contracts';
import { errors } from '@nats-io/transport-node';

/**
 * NATS refuses messages over the server's `max_payload`. Raised as a 413 problem so an API caller
 * learns that the request was too large, rather than seeing an internal error.
 */
export function asPayloadProblem(error: unknown): unknown {
  if (error instanceof errors.InvalidArgumentError && /max_payload/.test(error.message)) {
    return new RpcProblemError({
      status: 413,
      title: 'Content Too Large',
      detail: `the message is larger than the NATS server accepts: ${error.message}`,
    });
  }
  return error;
}
