// Every stable error code in the source is listed in the README's table (fastify keeps the same check).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../../..');
/** Environment variables, not error codes. */
const NOT_CODES = new Set(['BOUNCER_WORKER_PORT', 'BOUNCER_ADMIN_SECRET']);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

test('every BOUNCER_ code in src/ is in the README error table, and the table names no other', () => {
  const used = new Set<string>();
  for (const file of sources(join(ROOT, 'src'))) for (const match of readFileSync(file, 'utf8').matchAll(/'(BOUNCER_[A-Z_]+)'/g)) used.add(match[1]!);
  for (const name of NOT_CODES) used.delete(name);
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('| code | what | where |'));
  const documented = new Set([...table.slice(0, table.indexOf('\n\n')).matchAll(/^\| `(BOUNCER_[A-Z_]+)`/gm)].map((m) => m[1]!));
  assert.deepEqual([...documented].sort(), [...used].sort());
});
