// Vary support (RFC 9111 §4.1): a response that varies is stored under its primary key as a marker
// naming the request headers it varies on, and as a variant under a secondary key made of those
// headers' values. Accept-Encoding is reduced to the encoding that would be chosen so variants do
// not multiply with every browser's spelling of the header.
import type { HeaderMap } from '../gateway/exchange.js';

/** Request header names the response varies on (lower-case, sorted), "*" or null for none. */
export function parseVary(value: string | string[] | undefined): string[] | '*' | null {
  if (value === undefined) return null;
  const names = (Array.isArray(value) ? value.join(',') : value)
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  if (names.includes('*')) return '*';
  return names.length ? [...new Set(names)].sort() : null;
}

/** The secondary-key fragment for a request, given the names a stored response varies on. */
export function variantOf(names: readonly string[], headers: HeaderMap): string {
  let out = '';
  for (const name of names) {
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw.join(', ') : raw;
    out += `${name}=${name === 'accept-encoding' ? normaliseAcceptEncoding(value) : normaliseValue(value)}\n`;
  }
  return out;
}

function normaliseValue(value: string | undefined): string {
  return value === undefined ? '\u0000' : value.trim().replace(/\s*,\s*/g, ',');
}

/** br, gzip or identity: the coding a typical origin would pick for this Accept-Encoding. */
export function normaliseAcceptEncoding(value: string | undefined): string {
  if (!value) return 'identity';
  const accepted = new Set<string>();
  for (const part of value.toLowerCase().split(',')) {
    const [coding, ...params] = part.trim().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (coding && (q === undefined || Number(q.slice(2)) > 0)) accepted.add(coding.trim());
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip') || accepted.has('x-gzip')) return 'gzip';
  return 'identity';
}
