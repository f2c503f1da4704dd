// Header hygiene between client, Bouncer and origin: hop-by-hop headers never cross (RFC 9110
// §7.6.1), identity headers only ever come from a verified token, and headers that would make the
// origin answer differently without being part of the cache key are removed — each compared in its
// folded spelling (header-names.ts), so `X_User_Id` goes as `X-User-Id` does.
import { normaliseAcceptEncoding } from '../cache/vary.js';
import type { HeaderMap } from '../gateway/exchange.js';
import { foldHeaderName, isStripped } from './header-names.js';

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'proxy-authorization', 'proxy-authenticate', 'expect', 'http2-settings',
]);

/** Conditional and range headers: dropped from fetches that fill the cache, which need a full 200. */
const CONDITIONAL = new Set(['if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since', 'if-range', 'range']);

export interface ForwardOptions {
  /** Names to remove because Bouncer alone may set them (folded: foldHeaderName). */
  readonly reserved: ReadonlySet<string>;
  /** Unkeyed headers a route made part of its cache key (folded): forwarded after all. */
  readonly keyed: readonly string[];
  /** Identity headers to add, [name, value]. */
  readonly identity: ReadonlyArray<readonly [string, string]>;
  /** Host header for the origin (the upstream's own authority). */
  readonly host: string;
  readonly clientAddress: string;
  readonly secure: boolean;
  /** True for a fetch that fills the cache: no conditionals, no range. */
  readonly forCache: boolean;
}

export function forwardRequestHeaders(headers: HeaderMap, options: ForwardOptions): Record<string, string | string[]> {
  const connectionNamed = namedInConnection(headers.connection);
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    const folded = foldHeaderName(name);
    if (HOP_BY_HOP.has(folded) || connectionNamed?.has(folded) || isStripped(name, folded, options)) continue;
    if (options.forCache && CONDITIONAL.has(name)) continue;
    out[name] = value;
  }
  if (options.forCache && out['accept-encoding'] !== undefined) {
    // Ask for exactly the coding the variant is keyed by (vary.ts), so no client gets one it did not accept.
    const coding = normaliseAcceptEncoding(String(out['accept-encoding']));
    if (coding === 'identity') delete out['accept-encoding'];
    else out['accept-encoding'] = coding;
  }
  out.host = options.host;
  const forwardedFor = headers['x-forwarded-for'];
  out['x-forwarded-for'] = forwardedFor ? `${Array.isArray(forwardedFor) ? forwardedFor.join(', ') : forwardedFor}, ${options.clientAddress}` : options.clientAddress;
  out['x-forwarded-proto'] = options.secure ? 'https' : 'http';
  for (const [name, value] of options.identity) out[name] = value;
  return out;
}

/** The origin's response headers as a flat list for the client, without hop-by-hop headers. */
export function responseHeaderList(headers: HeaderMap, options: { dropLength: boolean }): string[] {
  const connectionNamed = namedInConnection(headers.connection);
  const out: string[] = [];
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || connectionNamed?.has(foldHeaderName(name))) continue;
    if (options.dropLength && name === 'content-length') continue;
    if (Array.isArray(value)) for (const item of value) out.push(name, item);
    else out.push(name, value);
  }
  return out;
}

function namedInConnection(value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const names = (Array.isArray(value) ? value.join(',') : value).split(',').map((n) => foldHeaderName(n.trim()));
  return new Set(names.filter(Boolean));
}
