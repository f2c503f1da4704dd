// The node:http front: turns an IncomingMessage into a GatewayRequest, writes the GatewayResponse.
// Thin on purpose: parsing in, writing out, nothing else.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import { isPromise, type GatewayResponse, type Handler } from '../gateway/exchange.js';
import type { Front, FrontOptions } from './front.js';

export function startNodeFront(handler: Handler, options: FrontOptions): Promise<Front> {
  const server = createServer({ keepAliveTimeout: 5_000, requestTimeout: 60_000 }, (req, res) => {
    const result = handler({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      remoteAddress: req.socket.remoteAddress ?? '',
      secure: false,
      body: hasBody(req) ? req : null,
    });
    if (isPromise(result)) result.then((response) => write(res, response), () => res.destroy());
    else write(res, result);
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

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
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
