// The crowd's tokens: N distinct valid JWTs (one subject and one jti each), signed with an HMAC
// secret, either given or the first HS key of the gateway's own configuration (with its issuer and
// audience, so the gateway accepts them). Signed with node:crypto directly: 10,000 tokens in a few
// tens of milliseconds, where an async signer per token would be the slowest part of the run.
import { createHmac, randomBytes } from 'node:crypto';
import type { Config } from '../config/schema.js';
import { readSecret } from '../config/secrets.js';

export interface CrowdKey {
  readonly alg: 'HS256' | 'HS384' | 'HS512';
  readonly secret: string;
  readonly kid?: string | undefined;
  readonly issuer?: string | undefined;
  readonly audience?: string | undefined;
}

const HMAC = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' } as const;

/** The first HS key in jwt.keys or jwt.issuers[].keys, with what the gateway checks; undefined: none. */
export function crowdKeyOf(config: Config): CrowdKey | undefined {
  const candidates = [
    ...config.jwt.keys.map((key) => ({ key, issuer: config.jwt.issuer, audience: config.jwt.audience })),
    ...config.jwt.issuers.flatMap((entry) => (entry.keys ?? []).map((key) => ({ key, issuer: entry.issuer, audience: entry.audience ?? config.jwt.audience }))),
  ];
  for (const { key, issuer, audience } of candidates) {
    const alg = [key.alg, ...(key.algs ?? [])].find((name): name is CrowdKey['alg'] => name !== undefined && name in HMAC);
    const secret = alg === undefined ? undefined : readSecret(key, 'jwt key');
    if (alg === undefined || secret === undefined) continue;
    return { alg, secret, kid: key.kid, issuer, audience: typeof audience === 'string' ? audience : audience?.[0] };
  }
  return undefined;
}

/** `users` distinct tokens valid for `lifetimeS` seconds, each with `claims` on top of its own sub and jti. */
export function mintCrowd(key: CrowdKey, users: number, claims: Readonly<Record<string, unknown>>, lifetimeS = 3600): string[] {
  const header = base64url(JSON.stringify({ alg: key.alg, typ: 'JWT', ...(key.kid === undefined ? {} : { kid: key.kid }) }));
  const now = Math.floor(Date.now() / 1000);
  const run = randomBytes(6).toString('base64url');
  const tokens: string[] = [];
  for (let i = 0; i < users; i++) {
    const payload = {
      sub: `impulse-${run}-${i}`,
      jti: `${run}-${i}`,
      iat: now,
      exp: now + lifetimeS,
      ...(key.issuer === undefined ? {} : { iss: key.issuer }),
      ...(key.audience === undefined ? {} : { aud: key.audience }),
      ...claims,
    };
    const signed = `${header}.${base64url(JSON.stringify(payload))}`;
    tokens.push(`${signed}.${createHmac(HMAC[key.alg], key.secret).update(signed).digest('base64url')}`);
  }
  return tokens;
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}
