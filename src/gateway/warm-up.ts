// Warm-up at start: before the public listener opens, synthetic requests go through a throwaway twin
// of the gateway (the same code, its own origin stub, signing key, caches and metrics) over loopback,
// so that the runtime has compiled the request path by the time the first crowd arrives. Nothing of
// it reaches the configured origin, the real caches or the real metrics.
//
// Why: a freshly started Node process pinned to one core spent about half of it in V8's compiler and
// GC threads during its first impulse (2,000 new users: ~730 ms, against ~400 ms once warm; with this
// warm-up ~375 ms). The twin is assembled after the real gateway, so that from the start the closures
// both create at one place in the code share one feedback vector, as V8 gives every closure of a
// site once there are two (code optimised while there was one is specialised to it).
import { createHmac, randomBytes } from 'node:crypto';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { validateConfig } from '../config/load.js';
import type { Front } from '../fronts/front.js';
import { assembleGateway } from './assemble.js';
import type { Handler } from '../http/exchange.js';

const CONCURRENCY = 64;
/** Distinct URLs: each is a miss (one origin request, its waiters collapsed), then hits. */
const PATHS = 16;
const BODY = Buffer.alloc(1024, 'w');

export type FrontStarter = (handler: Handler) => Promise<Front>;

/** Sends `requests` synthetic requests through a throwaway twin; resolves with the milliseconds taken. */
export async function warmUpRuntime(requests: number, startFront: FrontStarter, log: Logger): Promise<number> {
  const started = performance.now();
  const origin = await startStubOrigin();
  const secret = randomBytes(32).toString('base64url');
  const twin = await assembleGateway(
    validateConfig({ upstream: `http://127.0.0.1:${(origin.address() as AddressInfo).port}`, jwt: { keys: [{ alg: 'HS256', secret }] }, routes: [{ path: '/' }] }, 'warm-up'),
    log,
  );
  try {
    const front = await startFront(twin.handler);
    // node:http's client (also in Bun): half the start-up time of fetch for the same requests.
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    try {
      let next = 0;
      const worker = async () => {
        while (next < requests) {
          const n = next++;
          // Each user comes twice, mostly at once: a verification, a shared one in flight, a remembered one.
          await get(agent, front.port, `/warm-up/${n % PATHS}`, token(secret, n >> 1));
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, requests) }, worker));
    } finally {
      agent.destroy();
      await front.close(1_000);
    }
  } finally {
    await twin.close();
    await new Promise((done) => origin.close(done));
  }
  return performance.now() - started;
}

/** One GET, its answer read to the end; a failed one only means less warming. */
function get(agent: Agent, port: number, path: string, bearer: string): Promise<void> {
  return new Promise((done) => {
    request({ host: '127.0.0.1', port, path, agent, headers: { authorization: `Bearer ${bearer}` } }, (response) => {
      response.resume();
      response.on('end', done);
      response.on('error', () => done());
    })
      .on('error', () => done())
      .end();
  });
}

function startStubOrigin(): Promise<Server> {
  const origin = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'public, s-maxage=60', 'content-length': BODY.length });
    res.end(BODY);
  });
  return new Promise((resolve, reject) => {
    origin.once('error', reject);
    origin.listen(0, '127.0.0.1', () => resolve(origin));
  });
}

const HEADER = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');

function token(secret: string, user: number): string {
  const payload = Buffer.from(JSON.stringify({ sub: `warm-up-${user}`, exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url');
  const signature = createHmac('sha256', secret).update(`${HEADER}.${payload}`).digest('base64url');
  return `${HEADER}.${payload}.${signature}`;
}
