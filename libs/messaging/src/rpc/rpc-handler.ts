import { SetMetadata } from '@nestjs/common';
import type { RpcPattern } from '@baton/contracts';

export const RPC_PATTERN = Symbol('BATON_RPC_PATTERN');

/** Marks a provider method as the responder for a request/reply pattern of the RPC catalogue. */
export const RpcHandler = (pattern: RpcPattern): MethodDecorator => SetMetadata(RPC_PATTERN, pattern);
