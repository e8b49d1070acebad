import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

/** One POST the receiver got, as it came: headers, raw body, and whether its signature checked out. */
export interface ReceivedReport {
  headers: IncomingHttpHeaders;
  raw: string;
  body: any;
  /** `X-Signature` is `sha256=<hex HMAC-SHA256(secret, raw body)>`, compared in constant time. */
  signatureValid: boolean;
}

/**
 * The superior authority's endpoint for `reportUpward` (a local HTTP server):
 * keeps every request, signed or not, so a test can look at the headers
 * itself; answers 401 to a bad signature, 200 otherwise.
 */
export class UpwardReceiver {
  readonly received: ReceivedReport[] = [];
  url = '';
  private server: Server | undefined;

  constructor(readonly secret = 'upward-report-secret-0123456789') {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const signatureValid = this.verify(raw, req.headers['x-signature']);
        let body: unknown;
        try {
          body = JSON.parse(raw);
        } catch {
          body = undefined;
        }
        this.received.push({ headers: req.headers, raw, body, signatureValid });
        res.writeHead(signatureValid ? 200 : 401, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((done) => this.server!.listen(0, '127.0.0.1', done));
    const { port } = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${port}/upward`;
    return this;
  }

  verify(raw: string, header: string | string[] | undefined): boolean {
    if (typeof header !== 'string') return false;
    const expected = `sha256=${createHmac('sha256', this.secret).update(raw, 'utf8').digest('hex')}`;
    return header.length === expected.length && timingSafeEqual(Buffer.from(header), Buffer.from(expected));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
  }
}
