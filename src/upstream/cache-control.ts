// Cache-Control parsing (RFC 9111 §5.2): directive names lower-case, values unquoted. Shared by the
// cache (freshness, at store time only) and auth (how long the app's auth answer holds).

export type Directives = ReadonlyMap<string, string | true>;

export function parseCacheControl(value: string | string[] | undefined): Directives {
  const out = new Map<string, string | true>();
  if (value === undefined) return out;
  for (const part of (Array.isArray(value) ? value.join(',') : value).split(',')) {
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (!name || out.has(name)) continue; // RFC 9111 §4.2.1: the first occurrence wins
    out.set(name, eq === -1 ? true : part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
  }
  return out;
}

/** A delta-seconds directive (RFC 9111 §1.2.2) in ms, or undefined when absent or malformed. */
export function secondsDirective(directives: Directives, name: string): number | undefined {
  const value = directives.get(name);
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return undefined;
  return Math.min(Number(value), 2 ** 31) * 1000;
}
