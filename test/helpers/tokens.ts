// Test tokens, signed with jose: valid ones by default, every field overridable for attacks.
import { SignJWT, type JWTPayload } from 'jose';

export const SECRET = 'test-secret-that-is-long-enough-for-hs256!';
export const ISSUER = 'https://issuer.test';
export const AUDIENCE = 'bouncer-tests';

export async function hs256(claims: JWTPayload = {}, options: { secret?: string; expiresIn?: number; header?: Record<string, unknown> } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'user-1', iat: now, exp: now + (options.expiresIn ?? 3600), ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...options.header })
    .sign(new TextEncoder().encode(options.secret ?? SECRET));
}

/** The jwt config section matching hs256(). */
export function jwtConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { keys: [{ alg: 'HS256', secret: SECRET }], issuer: ISSUER, audience: AUDIENCE, ...extra };
}

function b64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/** An unsigned token with alg "none" (or any header) and the given payload. */
export function unsigned(header: Record<string, unknown>, payload: JWTPayload, signature = ''): string {
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}.${signature}`;
}
