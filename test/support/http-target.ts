import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

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

  private constructor(private readonly server: Server) {}

  static async start(): Promise<HttpTarget> {
    let target: HttpTarget | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString(), receivedAt: Date.now() };
        target?.requests.push(recorded);
        const answer = target?.responder(recorded) ?? { status: 500 };
        const send = () => {
          res.writeHead(answer.status, { 'content-type': 'application/json' });
          res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
        };
        if (answer.delayMs) setTimeout(send, answer.delayMs);
        else send();
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    target = new HttpTarget(server);
    return target;
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
