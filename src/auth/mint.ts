// Minting test tokens (the `token` command and the demo). Not used on the request path.
import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';

export interface MintOptions {
  readonly alg: string;
  /** HMAC secret (HS*) … */
  readonly secret?: string;
  /** … or a PEM private key file (RS*, PS*, ES*, EdDSA). */
  readonly privateKeyFile?: string;
  readonly kid?: string;
  readonly claims: JWTPayload;
  /** Lifetime in seconds (sets exp). */
  readonly expiresIn: number;
}

export async function mintToken(options: MintOptions): Promise<string> {
  const key = options.alg.startsWith('HS')
    ? new TextEncoder().encode(requireValue(options.secret, 'an HMAC algorithm needs --secret'))
    : createPrivateKey(readFileSync(requireValue(options.privateKeyFile, `${options.alg} needs --private-key FILE`)));
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(options.claims)
    .setProtectedHeader({ alg: options.alg, typ: 'JWT', ...(options.kid ? { kid: options.kid } : {}) })
    .setIssuedAt(now)
    .setExpirationTime(now + options.expiresIn)
    .sign(key);
}

function requireValue(value: string | undefined, message: string): string {
  if (!value) throw new TypeError(message);
  return value;
}
