// The node:http front writes synchronous answers in batches after the poll phase (fronts/node.ts).
// Checked on real sockets: answers keep their request order on a connection, and an answer that
// node:http refuses to send costs only its own connection, not the rest of its batch.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GatewayRequest, GatewayResponse } from '../../../src/http/exchange.js';
import { startNodeFront } from '../../../src/fronts/node.js';
import type { Front } from '../../../src/fronts/front.js';

function text(status: number, body: string, extra: string[] = []): GatewayResponse {
  return { status, headers: ['content-type', 'text/plain', 'content-length', String(body.length), ...extra], body: Buffer.from(body) };
}

function answer(request: GatewayRequest): GatewayResponse | Promise<GatewayResponse> {
  if (request.url === '/slow') return sleep(100).then(() => text(200, 'slow'));
  if (request.url === '/refused') return text(200, 'never sent', ['x-bad', 'a\u0000b']);
  return text(200, request.url.slice(1));
}

function connected(front: Front): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(front.port, front.host, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything the server sends on the socket until it closes, or the error that closed it. */
function reply(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let received = '';
    socket.on('data', (chunk) => (received += chunk));
    socket.on('close', () => resolve(received));
    socket.on('error', () => {});
  });
}

const request = (path: string, close = false) => `GET ${path} HTTP/1.1\r\nHost: x\r\n${close ? 'Connection: close\r\n' : ''}\r\n`;
const bodies = (received: string) => received.split(/(?=HTTP\/1\.1 )/).map((one) => one.slice(one.indexOf('\r\n\r\n') + 4));

describe('node:http front', () => {
  let front: Front;

  before(async () => {
    front = await startNodeFront(answer, { host: '127.0.0.1', port: 0, backlog: 64 });
  });
  after(() => front.close(1_000));

  test('pipelined requests are answered in their order, a slow answer before quick ones', { timeout: 5_000 }, async () => {
    const socket = await connected(front);
    const received = reply(socket);
    socket.write(request('/slow') + request('/one') + request('/two', true));
    assert.deepEqual(bodies(await received), ['slow', 'one', 'two']);
  });

  test('an answer node:http refuses cuts its own connection; the others read in the same poll are sent', { timeout: 5_000 }, async () => {
    const sockets = await Promise.all([connected(front), connected(front), connected(front)]);
    const replies = sockets.map(reply);
    // Written in one go, so the server reads all three in one poll phase: one batch.
    sockets[0]!.write(request('/first', true));
    sockets[1]!.write(request('/refused', true));
    sockets[2]!.write(request('/last', true));
    const [first, refused, last] = await Promise.all(replies);
    assert.deepEqual(bodies(first!), ['first']);
    assert.equal(refused, '', 'cut, nothing sent');
    assert.deepEqual(bodies(last!), ['last']);
  });
});
