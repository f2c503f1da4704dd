// Bun.serve listens with a backlog of 512 (uSockets' constant) and has no option to change it; an
// impulse of thousands of connections then overflows the accept queue and clients wait for SYN
// retransmits (measured: 5,000 simultaneous connects, ~1,000 of them over 1 s; node:http at 4096:
// none). Linux lets listen(2) be called again on a listening socket to resize its queue, so the
// server's own listening socket is found in /proc and listen() is called on it through bun:ffi.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import type { BunFfi } from './bun-types.js';

const LISTEN_STATE = '0A';

/** Resizes this process's listening sockets on `port`; returns how many it resized (0 off Linux). */
export async function widenBacklog(port: number, backlog: number): Promise<number> {
  if (process.platform !== 'linux') return 0;
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return 0;
  const specifier = 'bun:ffi';
  const ffi = (await import(specifier)) as BunFfi;
  const libc = ffi.dlopen('libc.so.6', { listen: { args: ['i32', 'i32'], returns: 'i32' } });
  let resized = 0;
  try {
    for (const fd of readdirSync('/proc/self/fd')) {
      const inode = /^socket:\[(\d+)\]$/.exec(safeReadlink(`/proc/self/fd/${fd}`))?.[1];
      if (inode !== undefined && inodes.has(inode) && libc.symbols.listen(Number(fd), backlog) === 0) resized++;
    }
  } finally {
    libc.close();
  }
  return resized;
}

/** Inodes of the listening TCP sockets on `port` (any process of this network namespace). */
function listeningInodes(port: number): Set<string> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === LISTEN_STATE && fields[1]?.endsWith(`:${hexPort}`) && fields[9] !== undefined) inodes.add(fields[9]);
    }
  }
  return inodes;
}

function safeReadlink(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}
