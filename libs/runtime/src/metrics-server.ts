import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderMetrics } from '@baton/telemetry';

/**
 * `GET /metrics` (and `GET /health/live`) for a service that has no HTTP API of its own, so each
 * service run as its own process is scraped like the gateway. Port 0 takes any free port. Returns
 * the address it listens on and the function that stops it.
 */
export async function startMetricsServer(port: number, host: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const server = createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/metrics') {
      renderMetrics().then(
        ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(body),
        (error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(error.message),
      );
    } else if (request.method === 'GET' && request.url === '/health/live') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  const address = server.address() as AddressInfo;
  return { url: `http://${host}:${address.port}/metrics`, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
