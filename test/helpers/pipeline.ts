// The gateway's pipeline in this process, in front of a real origin, with a clock the test moves.
// For rules where time matters (freshness, stale windows, refresh ahead): no sleeping.
import { pino } from 'pino';
import { validateConfig } from '../../src/config/load.js';
import { assembleGateway, type Gateway } from '../../src/gateway/assemble.js';
import { isPromise, type GatewayResponse } from '../../src/http/exchange.js';

export interface Clock {
  now: number;
  advance(ms: number): void;
}

export function fakeClock(): Clock {
  const clock = {
    now: Date.now(),
    advance(ms: number) {
      clock.now += ms;
    },
  };
  return clock;
}

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** true when the pipeline answered synchronously (the hot path). */
  readonly synchronous: boolean;
}

export interface InProcessGateway {
  readonly gateway: Gateway;
  request(url: string, headers?: Record<string, string>, options?: { method?: string; body?: string }): Promise<Answer>;
  close(): Promise<void>;
}

export async function inProcessGateway(config: Record<string, unknown>, clock: Clock): Promise<InProcessGateway> {
  const gateway = await assembleGateway(validateConfig(config, 'test'), pino({ level: 'silent' }), { now: () => clock.now });
  return {
    gateway,
    async request(url, headers = {}, options = {}) {
      const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
      const result = gateway.handler({
        method: options.method ?? 'GET',
        url,
        headers: lower,
        remoteAddress: '127.0.0.1',
        secure: false,
        body: options.body === undefined ? null : (async function* () { yield Buffer.from(options.body!); })(),
      });
      const synchronous = !isPromise(result);
      return { ...(await read(await result)), synchronous };
    },
    close: () => gateway.close(),
  };
}

async function read(response: GatewayResponse): Promise<Omit<Answer, 'synchronous'>> {
  const headers: Record<string, string> = {};
  for (let i = 0; i < response.headers.length; i += 2) {
    const name = response.headers[i]!;
    headers[name] = headers[name] === undefined ? response.headers[i + 1]! : `${headers[name]}, ${response.headers[i + 1]}`;
  }
  let body = '';
  if (response.body instanceof Uint8Array) body = Buffer.from(response.body).toString();
  else if (response.body !== null) for await (const chunk of response.body) body += Buffer.from(chunk).toString();
  return { status: response.status, headers, body };
}

/** Lets background work (refreshes, stores) settle. */
export function settle(ms = 50): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
