// The layout DESIGN.md asks for, held by a test: no two top-level folders of src/ import each other
// (shared types live in http/), and auth and the cache never import one another.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const SRC = resolve(import.meta.dirname, '../../../src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

function folderOf(file: string): string {
  const parts = relative(SRC, file).split('/');
  return parts.length > 1 ? parts[0]! : '(root)';
}

test('no two top-level folders import each other; auth and cache are strangers', () => {
  const edges = new Map<string, Set<string>>();
  for (const file of files(SRC)) {
    for (const match of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
      const target = folderOf(resolve(dirname(file), match[1]!.replace(/\.js$/, '.ts')));
      const from = folderOf(file);
      if (target === from) continue;
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from)!.add(target);
    }
  }
  const cycles = [...edges].flatMap(([from, targets]) => [...targets].filter((to) => edges.get(to)?.has(from)).map((to) => `${from} <-> ${to}`));
  assert.deepEqual(cycles, []);
  assert.equal(edges.get('auth')?.has('cache') ?? false, false, 'auth imports cache');
  assert.equal(edges.get('cache')?.has('auth') ?? false, false, 'cache imports auth');
});
