// The auth module's public surface (named on purpose; the pipeline imports from here).
export { createAuthenticator, loadLocalKeys, type Authenticator, type AuthenticatorOptions, type AuthHooks, type CacheSize } from './authenticator.js';
export { createAppAuth, type AppAnswer, type AppAuth, type AppAuthRequest } from './delegate.js';
export { AppAuthError, AuthError, type AuthErrorCode } from './errors.js';
export { FailureLimiter } from './flood.js';
export { identityHeaders, partitionValues, MAX_IDENTITY_VALUE_LENGTH } from './identity.js';
export type { JwksRefreshEvent } from './jwks-remote.js';
export { isRejectedOnSight } from './rejected.js';
export { compileRule, type ClaimPredicate } from './rules.js';
export { checkTokenSyntax, extractToken, type HeaderBag } from './token.js';
export type { Decision, DenyReason, Identity } from './types.js';
