// wrk as the load generator for throughput runs: it is C, so one core of wrk outruns one core of any
// Node server, where autocannon (JavaScript) would measure itself. Tokens rotate one per request.
import { fileURLToPath } from 'node:url';
import { runToEnd } from './processes.js';

const ROTATE_LUA = fileURLToPath(new URL('../../../bench/rotate.lua', import.meta.url));

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
  tokensFile: string;
  durationS: number;
  connections?: number;
  cpu?: number;
  /** Extra "Name: value" headers on every request. */
  headers?: string[];
}

export async function runWrk({ url, tokensFile, durationS, connections = 64, cpu, headers = [] }: WrkRun): Promise<WrkResult> {
  const args = ['-t1', `-c${connections}`, `-d${durationS}s`, '--timeout', '10s', '-s', ROTATE_LUA, url, '--', tokensFile, ...headers];
  const stdout = await runToEnd('wrk', { command: 'wrk', args, ...(cpu === undefined ? {} : { cpu }) }, (durationS + 60) * 1000);
  const line = /^WRKJSON (.*)$/m.exec(stdout)?.[1];
  if (line === undefined) throw new Error(`wrk printed no summary:\n${stdout}`);
  return JSON.parse(line) as WrkResult;
}
