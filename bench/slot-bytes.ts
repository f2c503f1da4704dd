// What a remembered decision costs on the heap, per kind of slot: the measurement behind the
// estimates the decision caches count against their maxBytes (SLOT_BYTES and stringBytes in
// src/auth/decisions.ts, the claims factor in remembered.ts, ANSWER_BYTES in delegate.ts).
//
//   node --expose-gc dist/bench/slot-bytes.js      node_modules/.bin/bun dist/bench/slot-bytes.js
//
// Each kind fills a fresh cache with N slots through its real maker, then reads the heap after a full
// GC: (heap after − heap before) / N, next to what the estimate counts for the same slots.
import { randomBytes } from 'node:crypto';
import { DecisionCache, DecisionSlot, SLOT_EPOCH_MS } from '../src/auth/decisions.js';
import { answerBytes } from '../src/auth/delegate.js';
import { rememberedBytes, rememberToken, type Remembered } from '../src/auth/remembered.js';
import type { Decision } from '../src/auth/types.js';

const N = 100_000;
const NOW = SLOT_EPOCH_MS + 1_000_000_000;
const HEADER = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');

declare const Bun: { gc(force: boolean): void } | undefined;
const gc: () => void = typeof Bun !== 'undefined' ? () => Bun!.gc(true) : (globalThis as { gc?: () => void }).gc ?? (() => {
  throw new Error('run with node --expose-gc');
});

function heap(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

/** A token of about `length` characters for user i: a real JWT shape with a random signature. */
function token(i: number, length: number): string {
  const base = { sub: `user-${i}`, iat: 1_700_000_000, exp: 1_900_000_000 };
  const pad = Math.max(0, Math.floor(((length - 100) * 3) / 4) - JSON.stringify(base).length);
  const payload = Buffer.from(JSON.stringify(pad > 0 ? { ...base, pad: 'x'.repeat(pad) } : base)).toString('base64url');
  return `${HEADER}.${payload}.${randomBytes(32).toString('base64url')}`;
}

const allow = (t: string): Decision => {
  const payload = JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()) as { exp: number };
  return { ok: true, identity: { claims: Object.freeze(payload), expiresAt: payload.exp * 1000 }, expiresAt: payload.exp * 1000 };
};
const deny: Decision = { ok: false, reason: 'bad_signature', expiresAt: NOW + 30_000 };

interface Row {
  kind: string;
  /** Characters of the credential. */
  length: number;
  /** Measured heap per slot, and the estimate's count for it. */
  measured: number;
  estimated: number;
}

function measureJwt(kind: string, length: number, decide: (t: string) => Decision, readClaims: boolean): Row {
  const cache = new DecisionCache<Remembered>({ max: N * 2, maxBytes: Number.MAX_SAFE_INTEGER, maxTtlMs: 1e12, hashTail: 32, resolutionMs: 1000, slot: rememberToken, bytes: rememberedBytes });
  const before = heap();
  for (let i = 0; i < N; i++) {
    const t = token(i, length);
    const slot = cache.remember(t, decide(t), NOW);
    if (readClaims && slot?.ok) void slot.claims;
  }
  const measured = (heap() - before) / N;
  return { kind, length: token(0, length).length, measured: Math.round(measured), estimated: Math.round(cache.bytes / cache.size) };
}

function measureDelegate(): Row {
  const cache = new DecisionCache<DecisionSlot>({
    max: N * 2, maxBytes: Number.MAX_SAFE_INTEGER, maxTtlMs: 1e12,
    slot: (key, decision, until) => new DecisionSlot(key, until, decision),
    bytes: answerBytes,
  });
  const before = heap();
  for (let i = 0; i < N; i++) {
    const session = randomBytes(30).toString('base64url');
    // The shape call() in delegate.ts makes of a 2xx answer.
    const claims = Object.freeze({ 'x-user-id': String(100_000 + i), 'x-permissions': 'read,write' });
    cache.remember(session, { ok: true, identity: { claims, expiresAt: NOW + 300_000 }, expiresAt: NOW + 300_000 }, NOW);
  }
  const measured = (heap() - before) / N;
  return { kind: 'delegate allow, 2 identity headers', length: 40, measured: Math.round(measured), estimated: Math.round(cache.bytes / cache.size) };
}

const rows: Row[] = [
  measureJwt('deny', 150, () => deny, false),
  measureJwt('deny', 1500, () => deny, false),
  measureJwt('deny, fingerprinted', 8000, () => deny, false),
  measureJwt('allow, claims not read', 150, allow, false),
  measureJwt('allow, claims read', 150, allow, true),
  measureJwt('allow, claims read', 1500, allow, true),
  measureJwt('allow, fingerprinted', 4000, allow, false),
  measureDelegate(),
];
const runtime = typeof Bun !== 'undefined' ? `bun ${process.versions.bun}` : `node ${process.version}`;
console.log(`${runtime}: heap per slot, ${N.toLocaleString('en')} slots each`);
console.log('kind'.padEnd(40), 'chars'.padStart(6), 'measured B'.padStart(11), 'estimated B'.padStart(12));
for (const row of rows) console.log(row.kind.padEnd(40), String(row.length).padStart(6), String(row.measured).padStart(11), String(row.estimated).padStart(12));
