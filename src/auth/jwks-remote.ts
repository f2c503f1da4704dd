// A JWKS served by an identity provider: fetched at start, refetched on a schedule and when a token
// names a kid we do not know — at most once per cool-down, so unknown kids cannot hammer the IdP. A
// failed fetch keeps the last good keys and is reported.
import type { JwtAlgorithm } from '../config/jwt-schema.js';
import { AuthError } from './errors.js';
import type { VerifyKey } from './key-import.js';
import { KeySet, parseJwks, type KeySource } from './keys.js';

export interface JwksRefreshEvent {
  readonly url: string;
  readonly trigger: 'start' | 'schedule' | 'unknown_kid';
  readonly ok: boolean;
  /** Keys in use after this attempt. */
  readonly keys: number;
  /** Why the fetch failed, or a key of the document that was skipped. */
  readonly error?: unknown;
}

export interface RemoteJwksOptions {
  readonly url: string;
  readonly algs: readonly JwtAlgorithm[] | undefined;
  readonly refreshMs: number;
  readonly cooldownMs: number;
  readonly timeoutMs: number;
  readonly now: () => number;
  readonly onRefresh?: (event: JwksRefreshEvent) => void;
}

const MAX_JWKS_BYTES = 1024 * 1024;

export class RemoteJwks implements KeySource {
  private keys = new KeySet([]);
  private lastAttempt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<boolean> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: RemoteJwksOptions) {}

  /** The first fetch must succeed: a gateway without its IdP's keys would refuse everyone. */
  async start(): Promise<void> {
    if (!(await this.fetchNow('start'))) {
      throw new AuthError('BOUNCER_JWKS_UNAVAILABLE', `${this.options.url}: JWKS could not be fetched at start`);
    }
    this.timer = setInterval(() => void this.fetchNow('schedule'), this.options.refreshMs);
    this.timer.unref();
  }

  candidates(alg: JwtAlgorithm, kid: string | undefined): readonly VerifyKey[] {
    return this.keys.candidates(alg, kid);
  }

  allowsAlgorithm(alg: JwtAlgorithm): boolean {
    return this.keys.allowsAlgorithm(alg);
  }

  /** No key matched a token: fetch again unless the last fetch is younger than the cool-down. */
  refresh(): Promise<boolean> {
    if (this.inFlight) return this.inFlight;
    if (this.options.now() - this.lastAttempt < this.options.cooldownMs) return Promise.resolve(false);
    return this.fetchNow('unknown_kid');
  }

  close(): void {
    clearInterval(this.timer);
  }

  private fetchNow(trigger: JwksRefreshEvent['trigger']): Promise<boolean> {
    this.inFlight ??= this.load(trigger).finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async load(trigger: JwksRefreshEvent['trigger']): Promise<boolean> {
    const { url, algs, timeoutMs, onRefresh } = this.options;
    this.lastAttempt = this.options.now();
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error', headers: { accept: 'application/json' } });
      if (!response.ok) throw new AuthError('BOUNCER_JWKS_UNAVAILABLE', `${url}: HTTP ${response.status}`);
      const text = await response.text();
      if (text.length > MAX_JWKS_BYTES) throw new AuthError('BOUNCER_JWKS_UNAVAILABLE', `${url}: JWKS larger than 1 MiB`);
      const report = (error: unknown) => onRefresh?.({ url, trigger, ok: true, keys: this.keys.keys.length, error });
      this.keys = new KeySet(await parseJwks(text, algs, url, false, report));
      onRefresh?.({ url, trigger, ok: true, keys: this.keys.keys.length });
      return true;
    } catch (error) {
      onRefresh?.({ url, trigger, ok: false, keys: this.keys.keys.length, error });
      return false;
    }
  }
}
