import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';

export interface DecoratedMethod<M, F> {
  metadata: M;
  /** The method bound to its provider instance. */
  method: F;
}

/** Finds provider methods carrying a decorator's metadata: how `@OnJetStreamMessage` and `@RpcHandler` are wired. */
@Injectable()
export class DecoratedMethods {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  find<M, F extends (...args: never[]) => unknown>(metadataKey: symbol): DecoratedMethod<M, F>[] {
    return this.discovery.getProviders().flatMap((wrapper) => {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object') return [];
      return this.scanner.getAllMethodNames(Object.getPrototypeOf(instance) as object).flatMap((name) => {
        const method = instance[name];
        if (typeof method !== 'function') return [];
        const metadata = this.reflector.get<M | undefined>(metadataKey, method);
        return metadata === undefined ? [] : [{ metadata, method: (method as F).bind(instance) as F }];
      });
    });
  }
}
