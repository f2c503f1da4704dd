// Start-up errors of the auth module, each with a stable code. Token failures are never thrown: they
// become a deny Decision with a DenyReason.

export type AuthErrorCode =
  | 'BOUNCER_KEY_INVALID' // a configured key cannot be loaded or is too weak / of the wrong type
  | 'BOUNCER_JWKS_UNAVAILABLE'; // a remote JWKS could not be fetched or understood

export class AuthError extends Error {
  constructor(readonly code: AuthErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuthError';
  }
}

/** A key-loading failure; the message starts with the config key path, e.g. "jwt.keys[1]: ...". */
export function keyError(path: string, message: string, cause?: unknown): AuthError {
  return new AuthError('BOUNCER_KEY_INVALID', `${path}: ${message}`, cause === undefined ? undefined : { cause });
}
