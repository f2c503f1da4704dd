// Range requests answered from a stored complete response (RFC 9110 §14): one `bytes` range becomes a
// 206 with Content-Range; a range the representation cannot satisfy a 416; If-Range that does not
// match the stored validator, several ranges, or anything unparsable: the whole 200 (§14.2 lets a
// server ignore Range). Only GET has range semantics.
import { parseHttpDate } from '../http/date.js';
import type { HeaderMap } from '../http/exchange.js';
import { fieldValue } from '../http/fields.js';
import { strongMatch } from './conditional.js';
import type { StoredEntry } from './store.js';

export type RangeAnswer =
  | { readonly kind: 'whole' }
  | { readonly kind: 'partial'; readonly start: number; readonly end: number }
  | { readonly kind: 'unsatisfiable' };

const WHOLE: RangeAnswer = { kind: 'whole' };
const UNSATISFIABLE: RangeAnswer = { kind: 'unsatisfiable' };
const SINGLE_RANGE = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i;

export function rangeOf(entry: StoredEntry, method: string, headers: HeaderMap): RangeAnswer {
  const range = fieldValue(headers, 'range');
  if (range === undefined || method !== 'GET' || entry.status !== 200) return WHOLE;
  if (!ifRangeHolds(entry, fieldValue(headers, 'if-range'))) return WHOLE;
  const match = SINGLE_RANGE.exec(range);
  if (match === null) return WHOLE; // several ranges, another unit, or not a range: the whole representation
  const length = entry.body.byteLength;
  const first = match[1]!;
  const last = match[2]!;
  if (first === '' && last === '') return WHOLE;
  if (first === '') {
    // A suffix range: the last N bytes (§14.1.3).
    const suffix = Number(last);
    if (suffix === 0) return UNSATISFIABLE;
    // Satisfiable on an empty representation (§14.1.1), but no 206 can say so: the whole, empty, one.
    if (length === 0) return WHOLE;
    return { kind: 'partial', start: Math.max(0, length - suffix), end: length - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return WHOLE; // an invalid range-spec is ignored
  if (start >= length) return UNSATISFIABLE;
  return { kind: 'partial', start, end: last === '' ? length - 1 : Math.min(Number(last), length - 1) };
}

/** RFC 9110 §13.1.5: If-Range holds when its entity-tag matches strongly, or its date equals Last-Modified. */
function ifRangeHolds(entry: StoredEntry, ifRange: string | undefined): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return entry.etag !== undefined && strongMatch(value, entry.etag);
  if (entry.lastModified === undefined) return false;
  const date = parseHttpDate(value);
  return Number.isFinite(date) && date === parseHttpDate(entry.lastModified);
}
