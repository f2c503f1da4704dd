// Cache-Control parsing (RFC 9111 §5.2, the syntax of RFC 9110 §5.6): directive names compared
// case-insensitively (§5.2: "Cache directives are identified by a token, to be compared
// case-insensitively"), quoted-string arguments unquoted (commas inside quotes do not split),
// the first occurrence of a directive wins (§4.2.1). Shared by the cache and by auth (how long the
// app's auth answer holds).

export type Directives = ReadonlyMap<string, string | true>;

const EMPTY: Directives = new Map();

export function parseCacheControl(value: string | string[] | undefined): Directives {
  if (value === undefined) return EMPTY;
  const text = Array.isArray(value) ? value.join(',') : value;
  if (text === '') return EMPTY;
  const out = new Map<string, string | true>();
  let i = 0;
  while (i < text.length) {
    // name
    let start = i;
    while (i < text.length && text[i] !== '=' && text[i] !== ',') i++;
    const name = text.slice(start, i).trim().toLowerCase();
    let argument: string | true = true;
    if (text[i] === '=') {
      i++;
      while (text[i] === ' ' || text[i] === '\t') i++;
      if (text[i] === '"') {
        let quoted = '';
        for (i++; i < text.length && text[i] !== '"'; i++) quoted += text[i] === '\\' ? (text[++i] ?? '') : text[i];
        i++; // the closing quote
        argument = quoted;
        while (i < text.length && text[i] !== ',') i++;
      } else {
        start = i;
        while (i < text.length && text[i] !== ',') i++;
        argument = text.slice(start, i).trim();
      }
    }
    i++; // the comma
    if (name !== '' && !out.has(name)) out.set(name, argument);
  }
  return out;
}

/**
 * A delta-seconds argument (RFC 9111 §1.2.2) in ms: undefined when the directive is absent, null
 * when its argument is not a non-negative integer (callers decide what an invalid one means).
 * Values beyond 2^31 seconds are taken as 2^31 (§1.2.2).
 */
export function secondsDirective(directives: Directives, name: string): number | null | undefined {
  const value = directives.get(name);
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return null;
  return Math.min(Number(value), 2 ** 31) * 1000;
}
