// Configurations that are valid but probably not what was meant: logged at start (and printed by
// `bouncer check-config`), never refused.
import type { Config } from './schema.js';

export interface ConfigWarning {
  /** The key path the warning is about, e.g. "jwt.issuers[0]". */
  readonly key: string;
  readonly message: string;
}

export function configWarnings(config: Config): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  config.jwt.issuers.forEach((entry, index) => {
    // An IdP's JWKS signs tokens for every client of that IdP: without an audience, a token it issued
    // to any other application is accepted here too (RFC 8725 §3.9).
    if (entry.jwksUrl !== undefined && (entry.audience ?? config.jwt.audience) === undefined) {
      warnings.push({ key: `jwt.issuers[${index}]`, message: 'remote JWKS (jwksUrl) without an audience: tokens the issuer made for any other audience are accepted' });
    }
  });
  const flood = config.jwt.flood;
  if (flood?.clientHeader !== undefined && flood.trustedProxies.length === 0) {
    warnings.push({ key: 'jwt.flood.clientHeader', message: 'no trustedProxies: the header is never read, every client is its connection\'s peer' });
  }
  return warnings;
}
