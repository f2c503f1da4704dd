// The crowd itself: N connections opened first (a bounded number connecting at a time, so the
// listen backlog is not what is measured), then one request each, all at once or spread over the
// ramp, each with its own token and `Connection: close`. Raw sockets rather than an HTTP client: a
// client pool would queue the crowd behind its own connection limit, and the point is N users at once.
import net from 'node:net';

export interface FireOptions {
  readonly url: URL;
  /** One per user, sent as Authorization: Bearer. */
  readonly tokens: readonly string[];
  /** Spread the requests evenly over this long (0: all in one loop). */
  readonly rampMs: number;
  /** Users still unanswered after this long (from the first request) are given up on. */
  readonly timeoutMs: number;
  readonly onProgress?: (phase: 'connecting' | 'answering', done: number, total: number) => void;
}

export interface UserResult {
  /** The status of the answer; undefined: no answer (refused, reset, timed out). */
  readonly status: number | undefined;
  /** The Cache-Status field of the answer, if any. */
  readonly cacheStatus: string | undefined;
  /** From this user's request to its whole answer, ms. */
  readonly latencyMs: number;
  /** From the first request of the crowd to this user's whole answer, ms. */
  readonly doneAtMs: number;
}

export interface Fired {
  readonly users: number;
  readonly results: readonly UserResult[];
}

const CONNECTING = 1_000;
/** Bytes of a response head read at most (status line and fields). */
const MAX_HEAD = 16 * 1024;

export async function fire(options: FireOptions): Promise<Fired> {
  const { url, tokens } = options;
  const port = Number(url.port || 80);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const sockets: Array<net.Socket | undefined> = new Array(tokens.length);
  let connected = 0;
  for (let start = 0; start < tokens.length; start += CONNECTING) {
    const batch = [];
    for (let i = start; i < Math.min(tokens.length, start + CONNECTING); i++) {
      batch.push(
        new Promise<void>((resolve) => {
          const socket = net.connect({ host, port, noDelay: true });
          socket.once('connect', () => {
            sockets[i] = socket;
            options.onProgress?.('connecting', ++connected, tokens.length);
            resolve();
          });
          socket.once('error', () => resolve());
        }),
      );
    }
    await Promise.all(batch);
  }

  const target = `${url.pathname}${url.search}`;
  const results: UserResult[] = new Array(tokens.length);
  const started = performance.now();
  let answered = 0;
  await new Promise<void>((resolve) => {
    let pending = tokens.length;
    const timer = setTimeout(() => sockets.forEach((socket) => socket?.destroy()), options.timeoutMs);
    const settle = (i: number, result: UserResult) => {
      if (results[i] !== undefined) return;
      results[i] = result;
      if (result.status !== undefined) options.onProgress?.('answering', ++answered, tokens.length);
      if (--pending === 0) {
        clearTimeout(timer);
        resolve();
      }
    };
    const send = (i: number) => {
      const socket = sockets[i];
      const sentAt = performance.now();
      const none = () => ({ status: undefined, cacheStatus: undefined, latencyMs: performance.now() - sentAt, doneAtMs: performance.now() - started });
      if (socket === undefined) return settle(i, none());
      const response = new ResponseReader();
      const finish = () => {
        const now = performance.now();
        settle(i, response.status === undefined ? none() : { status: response.status, cacheStatus: response.cacheStatus, latencyMs: now - sentAt, doneAtMs: now - started });
        socket.destroy();
      };
      socket.on('data', (chunk: Buffer) => {
        if (response.read(chunk)) finish();
      });
      socket.on('error', () => undefined);
      socket.once('close', finish);
      socket.write(`GET ${target} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${tokens[i]}\r\nConnection: close\r\n\r\n`);
    };
    if (options.rampMs <= 0) {
      for (let i = 0; i < tokens.length; i++) send(i);
      return;
    }
    // Over the ramp: user i goes at i × ramp / N (timers fire at most once a millisecond or so).
    let next = 0;
    const tick = () => {
      const due = Math.min(tokens.length, Math.floor(((performance.now() - started) / options.rampMs) * tokens.length) + 1);
      while (next < due) send(next++);
      if (next < tokens.length) setTimeout(tick, 1);
    };
    tick();
  });
  return { users: tokens.length, results };
}

/** Reads one HTTP/1.1 response: its status, its Cache-Status, and whether its body is complete. */
class ResponseReader {
  status: number | undefined;
  cacheStatus: string | undefined;
  #head: string | undefined = '';
  /** Body bytes still to come; Infinity without a Content-Length (the close ends it). */
  #bodyLeft = Infinity;

  /** true once the whole response has arrived (by Content-Length; otherwise the close ends it). */
  read(chunk: Buffer): boolean {
    if (this.#head === undefined) {
      this.#bodyLeft -= chunk.byteLength;
      return this.#bodyLeft <= 0;
    }
    if (this.#head.length > MAX_HEAD) return false;
    this.#head += chunk.toString('latin1');
    const end = this.#head.indexOf('\r\n\r\n');
    if (end === -1) return false;
    const lines = this.#head.slice(0, end).split('\r\n');
    this.status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? NaN) || undefined;
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'cache-status') this.cacheStatus = this.cacheStatus === undefined ? value : `${this.cacheStatus}, ${value}`;
      else if (name === 'content-length' && /^\d+$/.test(value)) this.#bodyLeft = Number(value);
    }
    this.#bodyLeft -= this.#head.length - end - 4; // latin1: one character per byte
    this.#head = undefined;
    return this.#bodyLeft <= 0;
  }
}
