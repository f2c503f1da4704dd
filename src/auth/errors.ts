// Errors of the auth module, each with a stable code: start-up failures, and the app's auth endpoint
// failing a request. Token failures are never thrown: they become a deny Decision with a DenyReason.

export type AuthErrorCode =
  | 'BOUNCER_KEY_INVALID' // a configured key cannot be loaded or is too weak / of the wrong type
  | 'BOUNCER_JWKS_UNAVAILABLE' // a remote JWKS could not be fetched or understood
  | 'BOUNCER_APP_AUTH_FAILED'; // the application's auth endpoint gave no usable answer (per request)

export class AuthError extends Error {
  constructor(readonly code: AuthErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuthError';
  }
}

/** The app's auth endpoint timed out, failed or answered neither 2xx nor 401/403: the client gets 502. */
export class AppAuthError extends AuthError {
  constructor(message: string, cause?: unknown) {
    super('BOUNCER_APP_AUTH_FAILED', message, cause === undefined ? undefined : { cause });
    this.name = 'AppAuthError';
  }
}

/** A key-loading failure; the message starts with the config key path, e.g. "jwt.keys[1]: ...". */
export function keyError(path: string, message: string, cause?: unknown): AuthError {
  return new AuthError('BOUNCER_KEY_INVALID', `${path}: ${message}`, cause === undefined ? undefined : { cause });
}
