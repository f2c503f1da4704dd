// The revocation journal on a real filesystem: durable appends replayed in order, a torn last line
// ignored, compaction, one process per stateDir.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { RevocationJournal, StateDirLockedError } from '../../../src/auth/revocation-journal.js';
import type { Revocation } from '../../../src/auth/revocations.js';

const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const stateDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'bouncer-journal-'));
  dirs.push(dir);
  return dir;
};
const entry = (id: string): Revocation => ({ kind: 'jti', id, until: 1_900_000_000_000 });

describe('RevocationJournal', () => {
  test('appends are replayed in order after a reopen; concurrent appends share flushes', async () => {
    const dir = stateDir();
    const { journal } = await RevocationJournal.open(dir);
    await Promise.all(Array.from({ length: 50 }, (_, i) => journal.append([entry(`j${i}`)])));
    await journal.append([entry('last-a'), entry('last-b')]);
    assert.equal(journal.lines, 52);
    await journal.close();
    const reopened = await RevocationJournal.open(dir);
    assert.deepEqual(reopened.entries.map((e) => (e as { id: string }).id).slice(-3), ['j49', 'last-a', 'last-b']);
    assert.equal(reopened.entries.length, 52);
    assert.deepEqual(new Set(reopened.entries.slice(0, 50).map((e) => (e as { id: string }).id)).size, 50);
    await reopened.journal.close();
  });

  test('a torn last line (a crash mid-write, never acknowledged) is skipped, and the next append starts a new line', async () => {
    const dir = stateDir();
    const { journal } = await RevocationJournal.open(dir);
    await journal.append([entry('kept')]);
    await journal.close();
    appendFileSync(join(dir, 'revocations.jsonl'), '{"kind":"jti","id":"torn","unt');
    const replayed = await RevocationJournal.open(dir);
    assert.deepEqual(replayed.entries, [entry('kept')]);
    assert.equal(replayed.skipped, 1);
    await replayed.journal.append([entry('after')]);
    await replayed.journal.close();
    const again = await RevocationJournal.open(dir);
    assert.deepEqual(again.entries, [entry('kept'), entry('after')]);
    await again.journal.close();
  });

  test('compaction keeps only what is given, and appends go on after it', async () => {
    const dir = stateDir();
    const { journal } = await RevocationJournal.open(dir);
    await journal.append([entry('a'), entry('b'), entry('c')]);
    await journal.compact([entry('b')]);
    assert.equal(journal.lines, 1);
    await journal.append([entry('d')]);
    await journal.close();
    assert.deepEqual(readFileSync(join(dir, 'revocations.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line).id), ['b', 'd']);
  });

  test('one process per stateDir; a lock left by a process that is gone is taken over; read() needs no lock', async () => {
    const dir = stateDir();
    const { journal } = await RevocationJournal.open(dir);
    await journal.append([entry('x')]);
    writeFileSync(join(dir, 'lock'), '1'); // pid 1 is alive: another owner
    await assert.rejects(RevocationJournal.open(dir), StateDirLockedError);
    assert.deepEqual(await RevocationJournal.read(dir), [entry('x')]);
    writeFileSync(join(dir, 'lock'), '999999999'); // no such process
    const taken = await RevocationJournal.open(dir);
    assert.deepEqual(taken.entries, [entry('x')]);
    await taken.journal.close();
    await journal.close().catch(() => undefined);
  });
});
