// What every benchmark shares: a scratch folder, the signing keys the gateway trusts, token files,
// the CPUs to pin the server and the load generator to, and the fd limit children get.
import { execFileSync } from 'node:child_process';
import { availableParallelism, tmpdir } from 'node:os';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHsKey, createRsKey, mintInvalid, mintValid, type HsKey, type SigningKey } from './tokens.js';
import { writeGatewayConfig, type Runtime } from './servers.js';

export interface BenchOptions {
  durationS: number;
  rounds: number;
  /** Distinct users in the hot path and the invalid flood. */
  tokens: number;
  /** Users in the impulse. */
  users: number;
  /** Distinct users decided in the memory benchmark. */
  memoryTokens: number;
  alg: 'HS256' | 'RS256';
  /** The runtime of the gateway and the bare baseline (the origin and clients stay on Node). */
  runtime: Runtime;
  /** flood: a new "AAAA.AAAA.<random>" token of this many characters on every request, instead of the rotating mix. */
  tokenBytes: number | undefined;
  /** hot: a checkout of another commit (built) whose gateway is measured in the same rounds. */
  against: string | undefined;
}

export interface Fixture {
  options: BenchOptions;
  dir: string;
  hsKey: HsKey;
  /** The key the valid tokens are signed with (options.alg). */
  validKey: SigningKey;
  /** Server on one CPU, load generator (and the idle origin) on another, when there are two. */
  cpus: { server?: number; client?: number };
  /** The fd limit every child process gets (the hard limit). */
  fdLimit: number;
  /** The gateway's config file; `extra` adds top-level keys (its `jwt` is merged into the jwt section); `name` tells several apart. */
  gatewayConfig(upstream: string, extra?: Record<string, unknown>, name?: string): Promise<string>;
  /** `count` valid tokens for users first … first + count - 1, one per line. */
  validTokensFile(count: number, first?: number): Promise<string>;
  invalidTokensFile(count: number): Promise<string>;
  dispose(): Promise<void>;
}

export async function createFixture(options: BenchOptions): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'bouncer-bench-'));
  const hsKey = createHsKey();
  const rs = createRsKey();
  const rsPublicKeyFile = join(dir, 'rs256.pub.pem');
  await writeFile(rsPublicKeyFile, rs.publicPem);
  const validKey = options.alg === 'HS256' ? hsKey : rs.key;
  const twoCpus = availableParallelism() >= 2;

  const writeTokens = async (name: string, tokens: string[]): Promise<string> => {
    const file = join(dir, name);
    await writeFile(file, tokens.join('\n') + '\n');
    return file;
  };

  return {
    options,
    dir,
    hsKey,
    validKey,
    cpus: twoCpus ? { server: 0, client: 1 } : {},
    fdLimit: Number(execFileSync('sh', ['-c', 'ulimit -Hn']).toString().trim()) || 1024,
    gatewayConfig: (upstream, extra, name) => writeGatewayConfig(dir, upstream, { hsSecret: hsKey.secret, rsPublicKeyFile }, extra, name),
    validTokensFile: async (count, first = 0) => writeTokens(`valid-${first}-${count}.txt`, await mintValid(validKey, count, first)),
    invalidTokensFile: async (count) => writeTokens(`invalid-${count}.txt`, await mintInvalid(hsKey, count)),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
