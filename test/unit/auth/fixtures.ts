// Shared test material: keys generated per run (written to a tmp dir as PEM/JWKS/secret files so the
// config loading path is exercised), signing helpers, and raw token builders for forgeries.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactSign, SignJWT, exportJWK, exportSPKI, generateKeyPair, type JWTPayload, type CryptoKey } from 'jose';
import { createAuthenticator } from '../../../src/auth/authenticator.js';
import type { Decision } from '../../../src/auth/types.js';
import { JWT_ALGORITHMS, jwtSchema, type JwtAlgorithm, type JwtConfig } from '../../../src/config/jwt-schema.js';

export const NOW = 1_700_000_000_000;
export const ISSUER = 'https://issuer.test';
export const AUDIENCE = 'bouncer';
export const HS_SECRET = 'a-test-secret-of-at-least-thirty-two-bytes!!';

export const dir = mkdtempSync(join(tmpdir(), 'bouncer-auth-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

export function writeTmp(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

export interface AsymmetricPair {
  readonly publicKey: CryptoKey;
  readonly privateKey: CryptoKey;
  readonly pemFile: string;
}

export async function pairFor(alg: Exclude<JwtAlgorithm, 'HS256' | 'HS384' | 'HS512'>, name: string = alg): Promise<AsymmetricPair> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { publicKey, privateKey, pemFile: writeTmp(`${name}.pem`, await exportSPKI(publicKey)) };
}

export async function jwksFileFor(name: string, keys: { publicKey: CryptoKey; kid: string; alg?: string }[]): Promise<string> {
  const jwks = { keys: await Promise.all(keys.map(async (k) => ({ ...(await exportJWK(k.publicKey)), kid: k.kid, ...(k.alg && { alg: k.alg }) }))) };
  return writeTmp(name, JSON.stringify(jwks));
}

/** Standard valid claims at NOW. */
export function claims(extra: JWTPayload = {}): JWTPayload {
  const seconds = NOW / 1000;
  return { iss: ISSUER, aud: AUDIENCE, sub: 'user-1', iat: seconds - 10, exp: seconds + 600, ...extra };
}

export function sign(
  payload: JWTPayload,
  alg: string,
  key: CryptoKey | Uint8Array,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ ...header, alg }).sign(key);
}

/** A token whose payload is this exact JSON text (for 1e309, duplicate members...). */
export function signText(text: string, alg: string, key: CryptoKey | Uint8Array, header: Record<string, unknown> = {}): Promise<string> {
  return new CompactSign(new TextEncoder().encode(text)).setProtectedHeader({ ...header, alg }).sign(key);
}

export const b64 = (text: string | Uint8Array): string => Buffer.from(text).toString('base64url');

/** An HS256 token built from raw header and payload JSON text (duplicate header members and the like). */
export function hmacRaw(headerText: string, payloadText: string, secret: string = HS_SECRET): string {
  const input = `${b64(headerText)}.${b64(payloadText)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

export function config(input: Record<string, unknown>): JwtConfig {
  return jwtSchema.parse(input);
}

export const ASYMMETRIC = JWT_ALGORITHMS.filter((alg) => !alg.startsWith('HS')) as Exclude<JwtAlgorithm, 'HS256' | 'HS384' | 'HS512'>[];

/** A clock tests move by hand. */
export function clock(start = NOW) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms), set: (ms: number) => (now = ms) };
}

/** An HS256 authenticator on a hand-moved clock that records every verification it makes. */
export async function recordingAuthenticator(extra: Record<string, unknown> = {}) {
  const time = clock();
  const verified: Decision[] = [];
  const auth = await createAuthenticator(config({ keys: [{ secret: HS_SECRET, alg: 'HS256' }], ...extra }), {
    now: time.now,
    hooks: { onVerify: (decision) => verified.push(decision) },
  });
  return { auth, time, verified };
}

export type KeyPointer = 'jku' | 'x5u' | 'jwk' | 'x5c';

/**
 * RFC 8725 §3.10 attacks: a fresh attacker key pair and the header value that points at it (jku,
 * x5u) or embeds it (jwk, x5c). A gateway must never fetch or trust any of them.
 */
export async function attackerKey(member: KeyPointer): Promise<{ privateKey: CryptoKey; value: unknown }> {
  const attacker = await generateKeyPair('RS256', { extractable: true });
  const value = {
    jku: 'https://attacker.test/jwks.json',
    x5u: 'https://attacker.test/cert.pem',
    jwk: await exportJWK(attacker.publicKey),
    x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'],
  }[member];
  return { privateKey: attacker.privateKey, value };
}
