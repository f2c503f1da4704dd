// Request-target normalisation. The path that selects a route and the path sent upstream are the
// same string, produced here once, so `..`, `%2e`, `//` or `;` tricks cannot make them differ.
// Anything ambiguous (encoded slash or backslash, NUL, `;` parameters, raw non-ASCII) is refused
// with 400 rather than guessed at, because origins disagree on what those mean.

export interface Target {
  /** Normalised path: no dot segments, no empty segments, unreserved characters decoded. */
  readonly path: string;
  /** Raw query without the "?", or "" when absent. */
  readonly query: string;
}

export type TargetError = 'not_origin_form' | 'bad_encoding' | 'ambiguous_path';

const UNRESERVED = /[A-Za-z0-9\-._~]/;

export function parseTarget(url: string): Target | TargetError {
  if (url.charCodeAt(0) !== 47 /* / */) return 'not_origin_form';
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q + 1);
  if (url.includes('#') || !isPrintableAscii(query)) return 'bad_encoding';
  // The common case: nothing to decode and no dot or empty segment.
  if (!needsWork(rawPath)) return { path: rawPath, query };
  // The same rule as the fast path: printable ASCII passes raw (as browsers send "|", "[", "^"),
  // whatever else the path needs; only ";" and a backslash are ambiguous.
  if (rawPath.includes(';') || rawPath.includes('\\')) return 'ambiguous_path';
  if (!isPrintableAscii(rawPath)) return 'bad_encoding';
  const decoded = decodeUnreserved(rawPath);
  if (decoded === undefined) return 'bad_encoding';
  if (decoded === null) return 'ambiguous_path';
  return { path: removeDotSegments(decoded), query };
}

function needsWork(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 37 /* % */ || c === 59 /* ; */ || c === 92 /* \ */ || c <= 32 || c >= 127) return true;
    if (c === 47 /* / */) {
      const next = path.charCodeAt(i + 1);
      if (next === 47 || next === 46 /* . */) return true;
    }
  }
  return false;
}

/**
 * Decodes %XX of unreserved characters (RFC 3986 §6.2.2.2) and upper-cases the hex of the rest.
 * undefined: malformed escape; null: an escape that would change the path's structure (/ \ NUL).
 */
function decodeUnreserved(path: string): string | undefined | null {
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const ch = path[i]!;
    if (ch !== '%') {
      out += ch;
      continue;
    }
    const hex = path.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
    const code = parseInt(hex, 16);
    if (code === 0x2f || code === 0x5c || code === 0x00 || code === 0x3b) return null;
    const decoded = String.fromCharCode(code);
    out += UNRESERVED.test(decoded) ? decoded : `%${hex.toUpperCase()}`;
    i += 2;
  }
  return out;
}

/** RFC 3986 §5.2.4, plus collapsing empty segments ("//"), which origins treat as "/". */
function removeDotSegments(path: string): string {
  const segments = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i]!;
    const last = i === segments.length - 1;
    if (segment === '..') {
      out.pop();
      if (last) out.push('');
    } else if (segment === '.' || segment === '') {
      if (last) out.push('');
    } else {
      out.push(segment);
    }
  }
  return '/' + out.join('/');
}

function isPrintableAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c >= 127) return false;
  }
  return true;
}
