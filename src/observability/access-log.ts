// The access log (log.access): one JSON line per request (or per sampled request), through the
// process logger at info whatever log.level says. Off by default: at tens of thousands of requests a
// second a line each is the gateway's largest cost, so a busy gateway samples (log.access.sample).
import type { Logger } from 'pino';

/**
 * How the request's auth was decided: none (no token read: a route that reads none, or no token
 * sent), cached (answered from memory without crypto: the decision cache, the syntax check, the flood
 * limiter), checked (a signature verified, or the app asked, for this request).
 */
export type DecisionSource = 'none' | 'cached' | 'checked';

export interface AccessLine {
  readonly method: string;
  /** The normalised path and the query as forwarded (a token parameter removed); the raw path when refused. */
  readonly path: string;
  readonly status: number;
  /** The Cache-Status word (hit, miss…) and the whole value. */
  readonly cache: string | undefined;
  readonly cacheStatus: string | undefined;
  /** user, public, anonymous, unauthenticated (passed on) or refused. */
  readonly access: string;
  readonly decision: DecisionSource;
  /** Why a token was refused ("" when it was not). */
  readonly reason: string;
  /** Until the response was handed to the front. */
  readonly ms: number;
  /** Waiting for the origin's answers for this request (absent: the origin was not asked for it). */
  readonly originMs: number | undefined;
}

export interface AccessLog {
  /** Whether this request is logged (sampling). */
  due(): boolean;
  write(line: AccessLine): void;
}

export function createAccessLog(log: Logger, sample: number): AccessLog {
  const out = log.child({}, { level: 'info' });
  return {
    due: sample >= 1 ? () => true : () => Math.random() < sample,
    write: (line) => out.info(line, 'access'),
  };
}
