// wrk as the load generator for throughput runs: it is C, so one core of wrk outruns one core of any
// Node server, where autocannon (JavaScript) would measure itself. Tokens rotate one per request.
import { fileURLToPath } from 'node:url';
import { runToEnd } from './processes.js';

const ROTATE_LUA = fileURLToPath(new URL('../../../bench/rotate.lua', import.meta.url));
const DISTINCT_LUA = fileURLToPath(new URL('../../../bench/distinct.lua', import.meta.url));

export interface WrkResult {
  requests: number;
  durationS: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errConnect: number;
  errRead: number;
  errWrite: number;
  errTimeout: number;
}

export interface WrkRun {
  url: string;
  /** Tokens rotated one per request (rotate.lua)… */
  tokensFile?: string;
  /** …or a new "AAAA.AAAA.<random>" token of about this many characters on every request (distinct.lua). */
  distinctTokenBytes?: number;
  durationS: number;
  connections?: number;
  cpu?: number;
  /** Extra "Name: value" headers on every request. */
  headers?: string[];
}

export async function runWrk({ url, tokensFile, distinctTokenBytes, durationS, connections = 64, cpu, headers = [] }: WrkRun): Promise<WrkResult> {
  const script =
    distinctTokenBytes !== undefined ? [DISTINCT_LUA, url, '--', String(distinctTokenBytes)]
    : tokensFile !== undefined ? [ROTATE_LUA, url, '--', tokensFile, ...headers]
    : undefined;
  if (script === undefined) throw new TypeError('runWrk needs tokensFile or distinctTokenBytes');
  const args = ['-t1', `-c${connections}`, `-d${durationS}s`, '--timeout', '10s', '-s', ...script];
  const stdout = await runToEnd('wrk', { command: 'wrk', args, ...(cpu === undefined ? {} : { cpu }) }, (durationS + 60) * 1000);
  const line = /^WRKJSON (.*)$/m.exec(stdout)?.[1];
  if (line === undefined) throw new Error(`wrk printed no summary:\n${stdout}`);
  return JSON.parse(line) as WrkResult;
}
