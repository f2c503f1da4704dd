// Signature verification cost per algorithm, uncached: the authenticator's decide path with a
// one-entry decision cache and 128 rotating tokens, so every call is a miss that verifies. Measured
// one at a time (latency-bound) and 64 at a time (WebCrypto spreads RSA/EC work over libuv threads).
// In-process: no gateway, no HTTP.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SignJWT, exportSPKI, generateKeyPair } from 'jose';
import { createAuthenticator, type Authenticator } from '../src/auth/authenticator.js';
import { JWT_ALGORITHMS, jwtSchema, type JwtAlgorithm } from '../src/config/jwt-schema.js';
import type { Fixture } from './lib/fixture.js';
import type { Row } from './lib/table.js';

const TOKENS = 128;
const CONCURRENCY = 64;
const HS_SECRET = 'bench-secret-bench-secret-bench-secret-bench-secret-bench-secret!';

export interface VerifyResult {
  readonly seconds: number;
  readonly perAlg: Record<string, { sequential: number; concurrent: number }>;
}

export async function benchVerify(fx: Fixture): Promise<VerifyResult> {
  const seconds = Math.max(0.5, fx.options.durationS / 10);
  const perAlg: VerifyResult['perAlg'] = {};
  for (const alg of JWT_ALGORITHMS) {
    const { auth, tokens } = await setUp(alg, fx.dir);
    try {
      await rate(auth, tokens, 1, 0.2); // warm-up: JIT and key caches before measuring
      perAlg[alg] = { sequential: await rate(auth, tokens, 1, seconds), concurrent: await rate(auth, tokens, CONCURRENCY, seconds) };
    } finally {
      auth.close();
    }
  }
  return { seconds, perAlg };
}

export function verifyRows(result: VerifyResult): Row[] {
  return [
    ['alg', 'verifications/s: one at a time | 64 at a time'],
    ...Object.entries(result.perAlg).map(([alg, r]): Row => [alg, `${Math.round(r.sequential)} | ${Math.round(r.concurrent)}`]),
  ];
}

async function setUp(alg: JwtAlgorithm, dir: string): Promise<{ auth: Authenticator; tokens: string[] }> {
  let signingKey: CryptoKey | Uint8Array;
  let key: Record<string, unknown>;
  if (alg.startsWith('HS')) {
    signingKey = new TextEncoder().encode(HS_SECRET);
    key = { secret: HS_SECRET, alg };
  } else {
    const pair = await generateKeyPair(alg, { extractable: true });
    signingKey = pair.privateKey;
    const file = join(dir, `verify-${alg}.pem`);
    await writeFile(file, await exportSPKI(pair.publicKey));
    key = { publicKeyFile: file, alg };
  }
  const auth = await createAuthenticator(jwtSchema.parse({ keys: [key], decisions: { max: 1 } }));
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const tokens = await Promise.all(
    Array.from({ length: TOKENS }, (_, i) => new SignJWT({ sub: `user-${i}`, exp }).setProtectedHeader({ alg }).sign(signingKey)),
  );
  const first = await auth.decide(tokens[0]!);
  if (!first.ok) throw new Error(`${alg}: the bench token is refused (${first.reason})`);
  return { auth, tokens };
}

/** Verifications per second over `seconds`, with `lanes` decide calls in flight (distinct tokens). */
async function rate(auth: Authenticator, tokens: string[], lanes: number, seconds: number): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  const lane = async (start: number) => {
    for (let i = start; performance.now() < end; i = (i + lanes) % TOKENS) {
      await auth.decide(tokens[i]!);
      done++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: lanes }, (_, l) => lane(l)));
  return done / ((performance.now() - started) / 1000);
}
