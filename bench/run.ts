// The benchmark runner: `npm run bench -- [hot] [impulse] ... [--duration 10] ...` (`--help` lists them all)
// (no names: all of them). Prints a table per benchmark and writes bench/results/<ISO stamp>.json.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchCache, cacheRows } from './cache.js';
import { benchDashboard, dashboardRows } from './dashboard.js';
import { benchFlood, floodRows } from './flood.js';
import { benchFragments, fragmentsRows } from './fragments.js';
import { benchHot, hotRows } from './hot.js';
import { benchImpulse, impulseRows } from './impulse.js';
import { benchMemory, memoryRows } from './memory.js';
import { benchNodes, nodesRows } from './nodes.js';
import { benchVerify, verifyRows } from './verify.js';
import { createFixture, type BenchOptions, type Fixture } from './lib/fixture.js';
import { printTable, type Row } from './lib/table.js';

interface Bench<R> {
  run(fx: Fixture): Promise<R>;
  rows(result: R, options: BenchOptions): Row[];
}
const bench = <R>(b: Bench<R>) => async (fx: Fixture, name: string): Promise<R> => {
  const result = await b.run(fx);
  printTable(name, b.rows(result, fx.options));
  return result;
};
const BENCHES = {
  hot: bench({ run: benchHot, rows: hotRows }),
  impulse: bench({ run: benchImpulse, rows: impulseRows }),
  flood: bench({ run: benchFlood, rows: floodRows }),
  memory: bench({ run: benchMemory, rows: memoryRows }),
  verify: bench({ run: benchVerify, rows: verifyRows }),
  cache: bench({ run: benchCache, rows: cacheRows }),
  nodes: bench({ run: benchNodes, rows: nodesRows }),
  fragments: bench({ run: benchFragments, rows: fragmentsRows }),
  dashboard: bench({ run: benchDashboard, rows: dashboardRows }),
};
type BenchName = keyof typeof BENCHES;
const RESULTS_DIR = fileURLToPath(new URL('../../bench/results/', import.meta.url));

const USAGE = `usage: npm run bench -- [${Object.keys(BENCHES).join('] [')}] (none: all of them)
  --duration S      seconds per measured load (10)     --rounds N       rounds, medians reported (3)
  --runtime R       node or bun (node)                 --alg A          HS256 or RS256 (HS256)
  --tokens N        users rotating: hot, flood, dashboard (10000)   --users N   impulse crowd (10000)
  --memory-tokens N tokens for memory (1000000)        --token-bytes N  credential length for flood
  --against DIR     another built checkout, measured in the same rounds (hot, cache)`;

function usage(problem: string): never {
  console.error(`${problem}\n${USAGE}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      duration: { type: 'string', default: '10' },
      rounds: { type: 'string', default: '3' },
      tokens: { type: 'string', default: '10000' },
      users: { type: 'string', default: '10000' },
      'memory-tokens': { type: 'string', default: '1000000' },
      alg: { type: 'string', default: 'HS256' },
      runtime: { type: 'string', default: 'node' },
      'token-bytes': { type: 'string' },
      against: { type: 'string' },
    },
  });
} catch (error) {
  usage((error as Error).message);
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const isBench = (name: string): name is BenchName => name in BENCHES;
const unknown = positionals.filter((name) => !isBench(name));
if (unknown.length > 0) usage(`unknown benchmark ${unknown.join(', ')}`);
if (values.alg !== 'HS256' && values.alg !== 'RS256') usage('--alg must be HS256 or RS256');
if (values.runtime !== 'node' && values.runtime !== 'bun') usage('--runtime must be node or bun');
if (values['token-bytes'] !== undefined && !(Number(values['token-bytes']) >= 32)) usage('--token-bytes must be a number of characters, at least 32');
for (const key of ['duration', 'rounds', 'tokens', 'users', 'memory-tokens'] as const) {
  if (!(Number(values[key]) > 0)) usage(`--${key} must be a positive number`);
}
const names = positionals.length > 0 ? positionals.filter(isBench) : (Object.keys(BENCHES) as BenchName[]);
const options: BenchOptions = {
  durationS: Number(values.duration),
  rounds: Number(values.rounds),
  tokens: Number(values.tokens),
  users: Number(values.users),
  memoryTokens: Number(values['memory-tokens']),
  alg: values.alg,
  runtime: values.runtime,
  tokenBytes: values['token-bytes'] === undefined ? undefined : Number(values['token-bytes']),
  against: values.against,
};

const startedAt = new Date().toISOString();
const fx = await createFixture(options);
const results: Partial<Record<BenchName, unknown>> = {};
try {
  for (const name of names) {
    console.error(`[${new Date().toISOString()}] ${name}...`);
    // One failing benchmark (a gateway that did not start, say) does not lose the others' results.
    results[name] = await BENCHES[name](fx, name).catch((error: Error) => {
      printTable(name, [['error', error.message]]);
      return { error: error.message };
    });
  }
} finally {
  await fx.dispose();
}

await mkdir(RESULTS_DIR, { recursive: true });
const file = `${RESULTS_DIR}${startedAt.replace(/[:.]/g, '-')}.json`;
const machine = { cpu: cpus()[0]?.model, cpus: cpus().length, node: process.version, pinned: fx.cpus, fdLimit: fx.fdLimit };
await writeFile(file, JSON.stringify({ startedAt, machine, options, results }, null, 2) + '\n');
console.log(`\nresults: ${file}`);
