// Header hygiene between client, Bouncer and origin: hop-by-hop headers never cross (RFC 9110
// §7.6.1), identity headers only ever come from a verified token, and headers that would make the
// origin answer differently without being part of the cache key are removed — each compared in its
// folded spelling (header-names.ts), so `X_User_Id` goes as `X-User-Id` does. A shared fill (a
// request whose response may be stored for others) also leaves out the client's credentials.
//
// Two views of one rule set: the whole header object sent to the origin, and a single field's value
// as the origin would see it (what Vary is matched against, without building the object).
import { normaliseAcceptEncoding } from '../http/accept-encoding.js';
import type { HeaderMap } from '../http/exchange.js';
import { fieldValue } from '../http/fields.js';
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
  /** True for a fetch that fills the cache: no conditionals, no range, one Accept-Encoding coding. */
  readonly forCache: boolean;
  /**
   * A shared fill on a route that reads tokens leaves the client's credentials behind (the response
   * may answer other users; Bouncer has checked the token): its Authorization header…
   */
  readonly withholdAuthorization?: boolean;
  /** …and this cookie (the route's token cookie). */
  readonly withholdCookie?: string | undefined;
}

/** The header object sent to the origin. */
export function forwardRequestHeaders(headers: HeaderMap, options: ForwardOptions): Record<string, string | string[]> {
  const connectionNamed = namedInConnection(headers.connection);
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || !isClientField(name, options, connectionNamed)) continue;
    out[name] = value;
  }
  if (out.cookie !== undefined) {
    // One Cookie field (RFC 6265 §5.4), whatever the client sent.
    const cookie = options.withholdCookie === undefined ? cookieField(out.cookie) : withoutCookie(cookieField(out.cookie), options.withholdCookie);
    if (cookie === undefined) delete out.cookie;
    else out.cookie = cookie;
  }
  if (options.forCache && out['accept-encoding'] !== undefined) {
    // Ask for exactly the coding the variant is keyed by (vary.ts), so no client gets one it did not accept.
    const coding = normaliseAcceptEncoding(fieldValue(out as HeaderMap, 'accept-encoding'));
    if (coding === 'identity') delete out['accept-encoding'];
    else out['accept-encoding'] = coding;
  }
  out.host = options.host;
  out['x-forwarded-for'] = forwardedFor(headers, options.clientAddress);
  out['x-forwarded-proto'] = options.secure ? 'https' : 'http';
  for (const [name, value] of options.identity) out[name] = value;
  return out;
}

/** One field's value as forwardRequestHeaders would send it (undefined: not sent). */
export function forwardedValue(headers: HeaderMap, name: string, options: ForwardOptions): string | undefined {
  for (const [identityName, value] of options.identity) if (identityName === name) return value;
  if (name === 'host') return options.host;
  if (name === 'x-forwarded-for') return forwardedFor(headers, options.clientAddress);
  if (name === 'x-forwarded-proto') return options.secure ? 'https' : 'http';
  if (!isClientField(name, options, namedInConnection(headers.connection))) return undefined;
  const raw = headers[name];
  if (raw === undefined) return undefined;
  if (name === 'cookie') return options.withholdCookie === undefined ? cookieField(raw) : withoutCookie(cookieField(raw), options.withholdCookie);
  const value = fieldValue(headers, name)!;
  if (name === 'accept-encoding' && options.forCache) {
    const coding = normaliseAcceptEncoding(value);
    return coding === 'identity' ? undefined : coding;
  }
  return value;
}

/** Whether a client's field may travel to the origin under these options (compared folded). */
function isClientField(name: string, options: ForwardOptions, connectionNamed: Set<string> | undefined): boolean {
  const folded = foldHeaderName(name);
  if (HOP_BY_HOP.has(folded) || connectionNamed?.has(folded) || isStripped(name, folded, options)) return false;
  if (options.forCache && CONDITIONAL.has(folded)) return false;
  if (folded === 'authorization' && options.withholdAuthorization === true) return false;
  return true;
}

function forwardedFor(headers: HeaderMap, clientAddress: string): string {
  const previous = fieldValue(headers, 'x-forwarded-for');
  return previous ? `${previous}, ${clientAddress}` : clientAddress;
}

/** Cookie lines are joined with "; " (RFC 6265 §5.4), not ", ". */
function cookieField(value: string | string[]): string {
  return Array.isArray(value) ? value.join('; ') : value;
}

/** A Cookie field without the named cookie, or undefined when nothing is left. */
function withoutCookie(cookie: string, name: string): string | undefined {
  const kept = cookie.split(/;\s*/).filter((pair) => pair.trim() !== '' && cookieName(pair) !== name);
  return kept.length === 0 ? undefined : kept.join('; ');
}

/** Whether a Cookie field carries the named cookie (the one withholdCookie would take out). */
export function carriesCookie(value: string | string[], name: string): boolean {
  return cookieField(value).split(/;\s*/).some((pair) => pair.trim() !== '' && cookieName(pair) === name);
}

function cookieName(pair: string): string {
  const eq = pair.indexOf('=');
  return (eq === -1 ? pair : pair.slice(0, eq)).trim();
}

/** The origin's response headers as a flat list for the client, without hop-by-hop headers. */
export function responseHeaderList(headers: HeaderMap, options: { dropLength: boolean; drop?: ReadonlySet<string> }): string[] {
  const connectionNamed = namedInConnection(headers.connection);
  const out: string[] = [];
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || connectionNamed?.has(foldHeaderName(name)) || options.drop?.has(name)) continue;
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
