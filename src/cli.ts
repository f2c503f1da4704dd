#!/usr/bin/env node
// The command line: a thin shell over the library. Exit codes: 0 ok, 1 runtime failure, 2 bad
// configuration or usage.
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { existsSync, statSync } from 'node:fs';
import { adminTarget, postAdmin } from './admin/client.js';
import { nginxConfig } from './admin/nginx-config.js';
import type { ExplainAnswer } from './admin/explain.js';
import { warmFromFile } from './admin/warm-command.js';
import { loadLocalKeys } from './auth/authenticator.js';
import { AuthError } from './auth/errors.js';
import { mintToken } from './auth/mint.js';
import { createUrlSigner, loadSigningKeys, SigningError } from './auth/signed-url.js';
import { ConfigError } from './config/errors.js';
import { loadConfig } from './config/load.js';
import { readAdminSecret } from './config/secrets.js';
import { configWarnings } from './config/warnings.js';
import { listenerUrl, parseDuration, parseListen } from './config/units.js';
import { runDemo } from './demo/demo.js';
import { runPrimary } from './gateway/primary.js';
import { startGateway } from './gateway/start.js';
import { runWorker } from './gateway/worker.js';
import { runImpulse, RemoteTargetError } from './impulse/command.js';
import { crowdKeyOf, mintCrowd, type CrowdKey } from './impulse/crowd.js';
import { createLogger } from './observability/logger.js';

const USAGE = `usage: bouncer <command> [options]

  start --config FILE [--listen HOST:PORT] [--upstream URL] [--workers N|auto] [--admin-listen HOST:PORT]
        run the gateway in the foreground
  demo  [--listen HOST:PORT] [--boot-ms 40] [--slots 8]
        a slow demo origin with the gateway in front of it, and a ready curl line
  token (--secret S | --secret-env NAME | --private-key FILE) [--alg HS256] [--sub ID] [--iss URL]
        [--aud AUD] [--kid KID] [--claim name=value ...] [--exp 1h]
        print a signed token for testing
  check-config FILE
        validate a configuration file, its admin secret and its keys (remote JWKS are not fetched);
        exit 2 with every problem named by its key path
  purge (--url PATH | --prefix PATH | --tag TAG) [ADMIN]
        drop cached responses; prints how many went
  warm FILE [ADMIN]
        fetch the URLs in FILE (YAML/JSON list, {urls, partitions}, or one per line) into the cache
  revoke (--token T | --jti ID | --sub ID [--before UNIX_S] | --before UNIX_S) [ADMIN]
        revoke on every worker and node; prints how many revocation entries were added once durable
  sign PATH --ttl 10m --config FILE [--key k1] [--claim name=value ...]
        print PATH signed for routes with signedUrls (with the first signing key, or --key)
  nginx-config --config FILE [--listen HOST:PORT] [--cache-dir DIR] [--bouncer HOST:PORT]
        print the file to include in nginx's http {} block: nginx asks Bouncer (companion) and caches content
  impulse URL --users N (--config FILE | --secret S | --secret-env NAME) [--alg HS256] [--claim k=v ...]
        [--ramp 0s] [--timeout 60s] [--report FILE.html] [--compare URL2] [--admin URL] [--json] [--allow-remote]
        N distinct valid users, one request each at once (or over the ramp): statuses, time to the
        last answer, percentiles, Cache-Status words, origin requests; exit 1 unless every user got a 2xx
  explain URL [--token T | --anonymous] [--method M] [--header 'Name: value' ...] [--body] [--client IP] [--json] [ADMIN]
        what the running gateway would do with the request and why (route, token, decision, key,
        stored entry, the rule that decided); nothing is fetched from the origin

  ADMIN: --config FILE (reads admin.listen and admin.secret) or --admin URL, --secret S | --secret-env NAME
`;

class UsageError extends Error {
  readonly code = 'BOUNCER_USAGE';
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start(rest);
    case 'demo':
      return demo(rest);
    case 'token':
      return token(rest);
    case 'check-config':
      return checkConfig(rest);
    case 'purge':
      return purge(rest);
    case 'warm':
      return warm(rest);
    case 'revoke':
      return revoke(rest);
    case 'sign':
      return sign(rest);
    case 'nginx-config':
      return printNginxConfig(rest);
    case 'impulse':
      return impulse(rest);
    case 'explain':
      return explain(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

async function start(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string', short: 'c' },
      listen: { type: 'string' },
      upstream: { type: 'string' },
      workers: { type: 'string' },
      'admin-listen': { type: 'string' },
    },
  });
  if (!values.config) throw new UsageError('start needs --config FILE');
  const file = values.config;
  const load = () => loadConfig(file, { listen: values.listen, upstream: values.upstream, workers: values.workers, adminListen: values['admin-listen'] });
  const config = load();
  const log = createLogger(config.log.level);
  if (cluster.isPrimary) {
    readAdminSecret(config.admin); // refused before any worker is forked
    for (const warning of configWarnings(config)) log.warn({ key: warning.key }, warning.message);
  }
  const workers = config.workers === 'auto' ? availableParallelism() : config.workers;
  if (workers > 1) return cluster.isPrimary ? runPrimary(config, log, workers, load) : runWorker(config, log, load);
  const gateway = await startGateway(config, log);
  // SIGHUP: reload; a file that does not validate keeps the running configuration (and says why).
  process.on('SIGHUP', () => {
    let next;
    try {
      next = load();
    } catch (error) {
      log.error({ err: error }, 'reload refused: the configuration does not validate; the running one stays');
      return;
    }
    gateway.reload(next).catch((error: unknown) => log.error({ err: error }, 'reload failed; the running configuration stays'));
  });
  await untilSignal(gateway, log);
  return 0;
}

async function demo(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { listen: { type: 'string' }, 'boot-ms': { type: 'string' }, slots: { type: 'string' } },
  });
  const log = createLogger('info');
  const running = await runDemo({
    listen: values.listen ?? '127.0.0.1:8080',
    bootMs: values['boot-ms'] === undefined ? 40 : Number(values['boot-ms']),
    slots: values.slots === undefined ? 8 : Number(values.slots),
    log,
  });
  await untilSignal(running, log);
  return 0;
}

async function token(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      secret: { type: 'string' },
      'secret-env': { type: 'string' },
      'private-key': { type: 'string' },
      alg: { type: 'string', default: 'HS256' },
      sub: { type: 'string', default: 'user-1' },
      iss: { type: 'string' },
      aud: { type: 'string' },
      kid: { type: 'string' },
      claim: { type: 'string', multiple: true, default: [] },
      exp: { type: 'string', default: '1h' },
    },
  });
  const expiresIn = parseDuration(values.exp);
  if (expiresIn === undefined) throw new UsageError(`--exp "${values.exp}" is not a duration`);
  const secretEnv = values['secret-env'];
  const secret = values.secret ?? (secretEnv ? process.env[secretEnv] : undefined);
  if (secretEnv && secret === undefined) throw new UsageError(`environment variable ${secretEnv} is not set`);
  const claims: Record<string, unknown> = { sub: values.sub };
  if (values.iss) claims.iss = values.iss;
  if (values.aud) claims.aud = values.aud;
  Object.assign(claims, claimPairs(values.claim));
  const jwt = await mintToken({
    alg: values.alg,
    secret,
    privateKeyFile: values['private-key'],
    kid: values.kid,
    claims,
    expiresIn: Math.round(expiresIn / 1000),
  });
  process.stdout.write(jwt + '\n');
  return 0;
}

async function sign(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { config: { type: 'string', short: 'c' }, ttl: { type: 'string' }, key: { type: 'string' }, claim: { type: 'string', multiple: true, default: [] } },
  });
  const path = positionals[0];
  if (!path || positionals.length > 1) throw new UsageError('sign needs one PATH');
  if (!values.config) throw new UsageError('sign needs --config FILE');
  if (!values.ttl) throw new UsageError('sign needs --ttl DURATION');
  const ttl = parseDuration(values.ttl);
  if (ttl === undefined) throw new UsageError(`--ttl "${values.ttl}" is not a duration`);
  const config = loadConfig(values.config);
  if (config.signing === undefined) throw new UsageError(`${values.config} has no signing section`);
  const signer = createUrlSigner(loadSigningKeys(config.signing), config.signing.params);
  try {
    process.stdout.write(signer.sign(path, ttl, { key: values.key, claims: claimPairs(values.claim) }).url + '\n');
  } catch (error) {
    if (error instanceof SigningError) throw new UsageError(error.message);
    throw error;
  }
  return 0;
}

function printNginxConfig(args: string[]): number {
  const { values } = parseArgs({
    args,
    options: { config: { type: 'string', short: 'c' }, listen: { type: 'string' }, 'cache-dir': { type: 'string' }, bouncer: { type: 'string' } },
  });
  if (!values.config) throw new UsageError('nginx-config needs --config FILE');
  const config = loadConfig(values.config);
  if (config.companion === undefined) throw new UsageError(`${values.config} has no companion section (companion: { path: /_bouncer/auth })`);
  const listen = values.listen ?? '80';
  if (!/^\d{1,5}$/.test(listen) && parseListen(listen) === undefined) throw new UsageError(`--listen "${listen}" is not HOST:PORT`);
  const bouncer = values.bouncer ?? `${config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host}:${config.listen.port}`;
  if (parseListen(bouncer) === undefined || parseListen(bouncer)!.port === 0) throw new UsageError(`--bouncer "${bouncer}" is not HOST:PORT (Bouncer's listener)`);
  const cacheDir = values['cache-dir'] ?? '/var/cache/nginx';
  if (!existsSync(cacheDir) || !statSync(cacheDir).isDirectory()) throw new UsageError(`--cache-dir ${cacheDir} is not an existing directory`);
  process.stdout.write(nginxConfig(config, { listen, cacheDir, bouncer, source: values.config }));
  return 0;
}

/** --claim name=value flags as claims (values as JSON when they parse). */
function claimPairs(pairs: readonly string[]): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError(`--claim "${pair}" is not name=value`);
    claims[pair.slice(0, eq)] = parseClaimValue(pair.slice(eq + 1));
  }
  return claims;
}

/** JSON when it parses (numbers, arrays, booleans), the text otherwise. */
function parseClaimValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const ADMIN_OPTIONS = {
  config: { type: 'string', short: 'c' },
  admin: { type: 'string' },
  secret: { type: 'string' },
  'secret-env': { type: 'string' },
} as const;

async function purge(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { ...ADMIN_OPTIONS, url: { type: 'string' }, prefix: { type: 'string' }, tag: { type: 'string' } } });
  const targets = (['url', 'prefix', 'tag'] as const).filter((name) => values[name] !== undefined);
  if (targets.length !== 1) throw new UsageError('purge needs exactly one of --url, --prefix, --tag');
  const name = targets[0]!;
  const { purged } = await postAdmin<{ purged: number }>(adminTarget(values), '/purge', { [name]: values[name] });
  process.stdout.write(`purged ${purged}\n`);
  return 0;
}

async function warm(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: ADMIN_OPTIONS, allowPositionals: true });
  const file = positionals[0];
  if (!file) throw new UsageError('warm needs FILE');
  const totals = await warmFromFile(adminTarget(values), file, { progress: process.stderr, summary: process.stdout });
  return totals.failed === 0 ? 0 : 1;
}

async function revoke(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { ...ADMIN_OPTIONS, token: { type: 'string' }, jti: { type: 'string' }, sub: { type: 'string' }, before: { type: 'string' } } });
  const named = (['token', 'jti', 'sub'] as const).filter((name) => values[name] !== undefined);
  if (named.length > 1 || (named.length === 0 && values.before === undefined)) throw new UsageError('revoke needs one of --token, --jti, --sub (with an optional --before), or --before alone');
  if ((values.token !== undefined || values.jti !== undefined) && values.before !== undefined) throw new UsageError('--before goes with --sub or alone');
  const before = values.before === undefined ? undefined : Number(values.before);
  if (before !== undefined && (!Number.isInteger(before) || before < 0)) throw new UsageError(`--before "${values.before}" is not Unix seconds`);
  const body = values.token !== undefined ? { token: values.token } : values.jti !== undefined ? { jti: values.jti } : values.sub !== undefined ? { sub: values.sub, ...(before === undefined ? {} : { before }) } : { before };
  const { revoked } = await postAdmin<{ revoked: number }>(adminTarget(values), '/revoke', body);
  process.stdout.write(`revoked ${revoked}\n`);
  return 0;
}

async function impulse(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      users: { type: 'string' },
      config: { type: 'string', short: 'c' },
      secret: { type: 'string' },
      'secret-env': { type: 'string' },
      alg: { type: 'string', default: 'HS256' },
      claim: { type: 'string', multiple: true, default: [] },
      ramp: { type: 'string', default: '0s' },
      timeout: { type: 'string', default: '60s' },
      report: { type: 'string' },
      compare: { type: 'string' },
      admin: { type: 'string' },
      json: { type: 'boolean', default: false },
      'allow-remote': { type: 'boolean', default: false },
    },
  });
  const url = httpUrlOf(positionals[0], 'impulse needs URL (http://host:port/path)');
  const compare = values.compare === undefined ? undefined : httpUrlOf(values.compare, `--compare "${values.compare}" is not an http:// URL`);
  const users = Number(values.users);
  if (!Number.isInteger(users) || users < 1 || users > 100_000) throw new UsageError('impulse needs --users N (1 to 100000)');
  const rampMs = parseDuration(values.ramp);
  const timeoutMs = parseDuration(values.timeout);
  if (rampMs === undefined) throw new UsageError(`--ramp "${values.ramp}" is not a duration`);
  if (timeoutMs === undefined || timeoutMs <= 0) throw new UsageError(`--timeout "${values.timeout}" is not a duration`);
  const config = values.config === undefined ? undefined : loadConfig(values.config);
  const secretEnv = values['secret-env'];
  const secret = values.secret ?? (secretEnv === undefined ? undefined : process.env[secretEnv]);
  if (secretEnv !== undefined && secret === undefined) throw new UsageError(`environment variable ${secretEnv} is not set`);
  let key: CrowdKey | undefined;
  if (secret !== undefined) {
    if (values.alg !== 'HS256' && values.alg !== 'HS384' && values.alg !== 'HS512') throw new UsageError('--alg must be HS256, HS384 or HS512');
    key = { alg: values.alg, secret };
  } else if (config !== undefined) {
    key = crowdKeyOf(config);
    if (key === undefined) throw new UsageError(`${values.config} has no HS key to sign with: give --secret`);
  } else {
    throw new UsageError('impulse needs --config FILE or --secret S to sign the users\' tokens');
  }
  const admin = values.admin ?? (config === undefined ? undefined : listenerUrl(config.admin.listen.host, config.admin.listen.port));
  const { ok } = await runImpulse({
    url,
    compare,
    tokens: mintCrowd(key, users, claimPairs(values.claim)),
    rampMs,
    timeoutMs,
    admin: admin?.replace(/\/$/, ''),
    report: values.report,
    json: values.json,
    allowRemote: values['allow-remote'],
    out: process.stdout,
    err: process.stderr,
  });
  return ok ? 0 : 1;
}

async function explain(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...ADMIN_OPTIONS,
      token: { type: 'string' },
      anonymous: { type: 'boolean', default: false },
      method: { type: 'string' },
      header: { type: 'string', multiple: true, default: [] },
      body: { type: 'boolean', default: false },
      client: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const target = positionals[0];
  if (target === undefined) throw new UsageError('explain needs URL (a path, or http://host/path)');
  if (values.token !== undefined && values.anonymous) throw new UsageError('give --token or --anonymous, not both');
  const url = /^https?:\/\//i.test(target) ? ((u) => u.pathname + u.search)(new URL(target)) : target;
  if (!url.startsWith('/')) throw new UsageError(`explain URL "${target}" must be a path or an http:// URL`);
  const headers: Record<string, string> = {};
  for (const line of values.header) {
    const colon = line.indexOf(':');
    if (colon < 1) throw new UsageError(`--header "${line}" is not "Name: value"`);
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const answer = await postAdmin<ExplainAnswer>(adminTarget(values), '/explain', {
    url,
    ...(values.method === undefined ? {} : { method: values.method }),
    ...(values.token === undefined ? {} : { token: values.token }),
    ...(Object.keys(headers).length === 0 ? {} : { headers }),
    ...(values.body ? { body: true } : {}),
    ...(values.client === undefined ? {} : { client: values.client }),
  });
  process.stdout.write(values.json ? `${JSON.stringify(answer)}\n` : `${answer.lines.join('\n')}\n`);
  return 0;
}

function httpUrlOf(text: string | undefined, problem: string): URL {
  try {
    const url = new URL(text ?? '');
    if (url.protocol === 'http:') return url;
  } catch {
    // not a URL: the usage error below
  }
  throw new UsageError(problem);
}

/** The schema, then what start reads before listening: the admin secret and every local key. */
async function checkConfig(args: string[]): Promise<number> {
  const file = args[0];
  if (!file) throw new UsageError('check-config needs FILE');
  const config = loadConfig(file);
  readAdminSecret(config.admin);
  await loadLocalKeys(config.jwt);
  for (const warning of configWarnings(config)) process.stderr.write(`bouncer: warning: ${warning.key}: ${warning.message}\n`);
  process.stdout.write(`${file}: ok (${config.routes.length} routes, ${config.jwt.keys.length} keys, upstream ${config.upstream})\n`);
  return 0;
}

function untilSignal(running: { close(): Promise<void> }, log: ReturnType<typeof createLogger>): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down');
      running.close().then(() => {
        log.info('stopped');
        resolve();
      }, (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`bouncer: ${error.message}\n`);
      process.exit(2);
    }
    // A key the configuration names but that cannot be used is a configuration error too.
    if (error instanceof AuthError && error.code === 'BOUNCER_KEY_INVALID') {
      process.stderr.write(`bouncer: invalid configuration: ${error.message}\n`);
      process.exit(2);
    }
    if (error instanceof RemoteTargetError) {
      process.stderr.write(`bouncer: ${error.message}\n`);
      process.exit(2);
    }
    if (error instanceof UsageError || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`bouncer: ${(error as Error).message}\n\n${USAGE}`);
      process.exit(2);
    }
    // Failures with a stable code are expected ones (admin API refused, origin unreachable): no stack.
    const code = (error as { code?: unknown }).code;
    const expected = typeof code === 'string' && (code.startsWith('BOUNCER_') || code.startsWith('E'));
    process.stderr.write(`bouncer: ${expected ? (error as Error).message : ((error as Error).stack ?? String(error))}\n`);
    process.exit(1);
  },
);
