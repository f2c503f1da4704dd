// The node:http front: turns an IncomingMessage into a GatewayRequest, writes the GatewayResponse.
// Thin on purpose: parsing in, writing out, nothing else.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import { isPromise, type GatewayRequest, type GatewayResponse, type Handler, type HeaderMap } from '../http/exchange.js';
import type { Front, FrontOptions } from './front.js';

export function startNodeFront(first: Handler, options: FrontOptions): Promise<Front> {
  let handler = first;
  const server = createServer({ keepAliveTimeout: 5_000, requestTimeout: 60_000 }, (req, res) => {
    const result = handler(new NodeGatewayRequest(req, res));
    if (isPromise(result)) result.then((response) => write(res, response), () => res.destroy());
    else writeSoon(res, result);
  });
  // A client that breaks the HTTP syntax gets a 400 and its connection closed, never a crash.
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port, backlog: options.backlog }, () => {
      server.off('error', reject);
      const { address, port } = server.address() as AddressInfo;
      resolve({
        host: address,
        port,
        setHandler: (next) => void (handler = next),
        close(graceMs) {
          return new Promise<void>((done) => {
            // Stop accepting, let in-flight requests finish; past the grace period cut the rest.
            const timer = setTimeout(() => server.closeAllConnections(), graceMs);
            timer.unref();
            server.close(() => {
              clearTimeout(timer);
              done();
            });
            server.closeIdleConnections();
          });
        },
      });
    });
  });
}

/** A node:http request as the pipeline sees it; one object, its methods on the prototype. */
class NodeGatewayRequest implements GatewayRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: HeaderMap;
  readonly remoteAddress: string;
  readonly secure = false;
  readonly body: AsyncIterable<Uint8Array> | null;

  constructor(req: IncomingMessage, private readonly res: ServerResponse) {
    this.method = req.method ?? 'GET';
    this.url = req.url ?? '/';
    this.headers = req.headers;
    this.remoteAddress = req.socket.remoteAddress ?? '';
    this.body = hasBody(req) ? req : null;
  }

  /** RFC 8297: a 103 before the final response (node:http writes it at once). */
  earlyHints(headers: HeaderMap): void {
    if (this.res.headersSent) return;
    const hints: Record<string, string | string[]> = {};
    for (const name in headers) {
      const value = headers[name];
      if (value !== undefined) hints[name] = value;
    }
    try {
      this.res.writeEarlyHints(hints);
    } catch {
      // node:http refuses hints it cannot send (no Link): an interim response is only ever a hint.
    }
  }
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

// Synchronous answers (every cached hit, every denial) are written once the poll phase that read
// their requests is over, together, instead of one by one as each is computed. On loopback (wrk, or
// nginx on the same host) the client is then woken once per batch rather than once per answer, and
// waking it was charged to this core: a bare node:http server measured 14% faster for it (see
// bench/README.md). An answer waits at most for the rest of its poll phase, behind no more than
// BATCH_MAX others. Answers that come later (a promise: the origin, a verification) are written at once.
const BATCH_MAX = 64;
let batch: Array<ServerResponse | GatewayResponse> = [];

function writeSoon(res: ServerResponse, response: GatewayResponse): void {
  const size = batch.push(res, response);
  if (size === 2) setImmediate(writeBatch);
  else if (size === 2 * BATCH_MAX) writeBatch();
}

function writeBatch(): void {
  const answers = batch;
  batch = [];
  for (let i = 0; i < answers.length; i += 2) {
    const res = answers[i] as ServerResponse;
    try {
      write(res, answers[i + 1] as GatewayResponse);
    } catch {
      res.destroy(); // an answer node:http refuses (a header it will not send) must not stop the rest
    }
  }
}

function write(res: ServerResponse, response: GatewayResponse): void {
  res.writeHead(response.status, response.headers as string[]);
  const body = response.body;
  if (body === null) res.end();
  else if (body instanceof Uint8Array) res.end(body);
  else pipeline(body, res, (error) => {
    // The origin failed mid-body: the status line is gone, so the only honest signal is a cut.
    if (error) res.destroy();
  });
}
