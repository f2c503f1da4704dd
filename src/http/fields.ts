// Field values as RFC 9110 §5.3 defines them: several field lines of one name are one field whose
// value is the lines joined with ", " (in order). Set-Cookie is the exception (RFC 6265 §3): its
// lines stay separate. Origins and clients send repeated lines; every reader of a field goes through
// here, so none of them sees a list where it expects a string.
import type { HeaderMap } from './exchange.js';

/** The combined value of a field, or undefined when absent. */
export function fieldValue(headers: HeaderMap, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' || value === undefined ? value : value.join(', ');
}

/** A header map with every repeated field combined into one value, Set-Cookie kept as a list. */
export function combinedFields(headers: Record<string, string | string[] | undefined>): HeaderMap {
  let out: HeaderMap | undefined;
  for (const name in headers) {
    const value = headers[name];
    if (!Array.isArray(value) || name === 'set-cookie') continue;
    out ??= { ...headers };
    out[name] = value.join(', ');
  }
  return out ?? headers;
}

/** The members of a list-based field (RFC 9110 §5.6.1), trimmed, empty ones dropped. */
export function listMembers(value: string | undefined): string[] {
  if (value === undefined) return [];
  const out: string[] = [];
  for (const member of value.split(',')) {
    const trimmed = member.trim();
    if (trimmed !== '') out.push(trimmed);
  }
  return out;
}

/** The first member of a field that should be a singleton but arrived as a list (RFC 9111 §5.1). */
export function firstMember(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const comma = value.indexOf(',');
  return (comma === -1 ? value : value.slice(0, comma)).trim();
}
