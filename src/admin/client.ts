// The CLI's side of the admin API: where the admin listener is and which secret to present, from
// flags or from the gateway's own configuration file.
import { loadConfig } from '../config/load.js';
import { readAdminSecret } from '../config/secrets.js';
import { listenerUrl } from '../config/units.js';

export interface AdminTarget {
  readonly url: string;
  readonly secret: string | undefined;
}

export interface AdminFlags {
  readonly admin?: string | undefined;
  readonly secret?: string | undefined;
  readonly 'secret-env'?: string | undefined;
  readonly config?: string | undefined;
}

export function adminTarget(flags: AdminFlags): AdminTarget {
  const config = flags.config === undefined ? undefined : loadConfig(flags.config);
  const listen = config?.admin.listen;
  const url = flags.admin ?? (listen ? listenerUrl(listen.host, listen.port) : 'http://127.0.0.1:8081');
  const secret =
    flags.secret ??
    (flags['secret-env'] !== undefined ? process.env[flags['secret-env']] : undefined) ??
    (config ? readAdminSecret(config.admin) : undefined);
  return { url: url.replace(/\/$/, ''), secret };
}

export async function postAdmin<T>(target: AdminTarget, path: string, body: unknown): Promise<T> {
  const response = await fetch(`${target.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(target.secret ? { authorization: `Bearer ${target.secret}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new AdminRequestError(response.status, text);
  return JSON.parse(text) as T;
}

export class AdminRequestError extends Error {
  readonly code = 'BOUNCER_ADMIN_REQUEST_FAILED';
  constructor(readonly status: number, body: string) {
    super(`admin API answered ${status}: ${body.trim()}`);
  }
}
