import { Logger } from '@nestjs/common';
import type { BatonConfig } from '@baton/config';

const LOOPBACK = ['127.0.0.1', '::1', 'localhost'];

/**
 * Where the HTTP and gRPC APIs listen. Without API keys they are open to whoever can reach them,
 * so they are reachable from this machine only, whatever `BATON_HTTP_HOST` says.
 */
export function listenHost(config: BatonConfig, api: string): string {
  if (config.BATON_API_KEYS || config.BATON_OIDC_JWKS_URL) return config.BATON_HTTP_HOST;
  const logger = new Logger('HttpServer');
  if (!LOOPBACK.includes(config.BATON_HTTP_HOST)) {
    logger.warn(
      `BATON_API_KEYS is not set: binding the ${api} to 127.0.0.1, not ${config.BATON_HTTP_HOST}; set API keys to serve other hosts`,
    );
    return '127.0.0.1';
  }
  logger.warn(`BATON_API_KEYS is not set: the ${api} needs no key and is reachable from this machine only`);
  return config.BATON_HTTP_HOST;
}
