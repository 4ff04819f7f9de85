import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}

export type Responder = (request: RecordedRequest) => { status: number; body?: unknown; delayMs?: number };

/** A local HTTP service for workflows to call: records every request and answers as told. */
export class HttpTarget {
  readonly requests: RecordedRequest[] = [];
  private responder: Responder = () => ({ status: 200, body: { ok: true } });

  private readonly server: Server = createServer((req, res) => this.handle(req, res));

  static async start(): Promise<HttpTarget> {
    const target = new HttpTarget();
    await new Promise<void>((done) => target.server.listen(0, '127.0.0.1', done));
    return target;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        receivedAt: Date.now(),
      };
      this.requests.push(recorded);
      const answer = this.responder(recorded);
      const send = () => {
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  }

  respondWith(responder: Responder): void {
    this.responder = responder;
  }

  url(path = '/'): string {
    const { port } = this.server.address() as { port: number };
    return `http://127.0.0.1:${port}${path}`;
  }

  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((done) => this.server.close(() => done()));
  }
}
