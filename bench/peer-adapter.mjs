#!/usr/bin/env node
// Adapter for the peer benchmark (shared/bench/peers/run.sh, scenarios bouncer-hs256/bouncer-rs256).
// Turns the harness's BENCH_* environment into a gateway config in $BENCH_TMP and runs the gateway
// in the foreground with one worker. Node cannot exec(), so the gateway is a child that receives
// every stop signal this process gets, and this process exits with the child's status.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`peer-adapter: ${name} is not set`);
    process.exit(2);
  }
  return value;
};

const alg = env('BENCH_ALG');
const key =
  alg === 'HS256' ? { alg, secret: env('BENCH_HS256_SECRET') }
  : alg === 'RS256' ? { alg, publicKeyFile: env('BENCH_RS256_PUBKEY') }
  : undefined;
if (!key) {
  console.error(`peer-adapter: BENCH_ALG must be HS256 or RS256, not ${alg}`);
  process.exit(2);
}

// BOUNCER_WARM_UP=N (optional): warmUpRequests, synthetic requests through a throwaway twin before
// the listener opens (the harness starts every system cold and waits for its port).
const warmUpRequests = Number(process.env.BOUNCER_WARM_UP ?? 0);
const config = {
  warmUpRequests,
  listen: `127.0.0.1:${env('BENCH_PORT')}`,
  upstream: env('BENCH_ORIGIN'),
  workers: 1,
  admin: { listen: '127.0.0.1:0' },
  jwt: { keys: [key], cookie: env('BENCH_COOKIE') },
  routes: [{ path: '/api/', auth: 'required', onDenied: 'reject' }],
};
const configFile = join(env('BENCH_TMP'), `bouncer-${alg.toLowerCase()}.json`);
writeFileSync(configFile, JSON.stringify(config, null, 2));

const cli = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url));
const gateway = spawn(process.execPath, [cli, 'start', '--config', configFile], { stdio: 'inherit' });
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => gateway.kill(signal));
gateway.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
