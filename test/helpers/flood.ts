// A load generator for floods of distinct requests: raw keep-alive TCP connections to the gateway,
// each sending `depth` requests back to back (HTTP/1.1 pipelining) and reading their answers before
// the next batch. node:http's client spends more per request than a gateway refusing one, so a flood
// of hundreds of thousands would measure the client. Bounded: `requests` in all, and a deadline.
import { connect, type Socket } from 'node:net';
import { readFile } from 'node:fs/promises';

export interface FloodOptions {
  /** http://host:port of the gateway. */
  readonly url: string;
  readonly requests: number;
  readonly connections: number;
  /** Requests in flight on one connection. Answers that need an origin or the app must not be pipelined on Bun: 1. */
  readonly depth: number;
  /** The request-line and headers (without the blank line) of request number i. */
  readonly request: (i: number) => string;
  readonly timeoutMs: number;
}

/** Sends the flood; resolves with how many answers had each status. */
export async function flood(options: FloodOptions): Promise<Record<number, number>> {
  const { hostname, port } = new URL(options.url);
  const statuses: Record<number, number> = {};
  let next = 0;
  const sockets: Socket[] = [];
  const worker = async () => {
    const socket = connect({ host: hostname, port: Number(port) });
    sockets.push(socket);
    socket.setNoDelay(true);
    const answers = answerReader(socket);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    while (next < options.requests) {
      const batch: string[] = [];
      while (batch.length < options.depth && next < options.requests) batch.push(`${options.request(next++)}\r\n\r\n`);
      socket.write(batch.join(''));
      for (let i = 0; i < batch.length; i++) {
        const status = await answers.next();
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }
    socket.end();
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`flood not done in ${options.timeoutMs} ms: ${JSON.stringify(statuses)}`)), options.timeoutMs);
  });
  try {
    await Promise.race([Promise.all(Array.from({ length: options.connections }, worker)), deadline]);
  } finally {
    clearTimeout(timer);
    for (const socket of sockets) socket.destroy();
  }
  return statuses;
}

/** Reads HTTP/1.1 answers (Content-Length bodies) off a socket, one status at a time. */
function answerReader(socket: Socket) {
  let buffer: Buffer = Buffer.alloc(0);
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    wake?.();
  });
  const fail = (error: Error) => {
    failure = error;
    wake?.();
  };
  socket.on('error', fail);
  socket.on('close', () => fail(new Error('connection closed by the gateway')));
  return {
    async next(): Promise<number> {
      for (;;) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end !== -1) {
          const head = buffer.subarray(0, end).toString('latin1');
          const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
          if (buffer.length >= end + 4 + length) {
            buffer = buffer.subarray(end + 4 + length);
            return Number(head.slice(9, 12));
          }
        }
        if (failure !== undefined) throw failure;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    },
  };
}

/** The resident memory of a process (VmRSS), in bytes. */
export async function residentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]) * 1024;
}
