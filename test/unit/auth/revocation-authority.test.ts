// The revocation authority on a real journal, on a clock the test moves: what each request revokes
// and until when, acknowledgement after the journal, distribution, expiry and compaction.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { RevocationAuthority } from '../../../src/auth/revocation-authority.js';
import { RevocationJournal } from '../../../src/auth/revocation-journal.js';
import { fingerprint, RevocationSet, type Revocation } from '../../../src/auth/revocations.js';

const dir = mkdtempSync(join(tmpdir(), 'bouncer-authority-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const HOUR = 3_600_000;

test('requests become entries that end when their tokens would have; journaled, distributed, then compacted as they expire', async () => {
  let now = 1_800_000_000_000;
  const { journal } = await RevocationJournal.open(dir);
  const set = new RevocationSet({ max: 10_000, maxBytes: 16 * 1024 * 1024 });
  const distributed: Revocation[] = [];
  const authority = new RevocationAuthority({
    set, journal, maxTokenLifetimeMs: 24 * HOUR, leewayMs: 30_000, now: () => now, log: pino({ level: 'silent' }),
    distribute: (entries) => distributed.push(...entries),
  });
  const exp = now / 1000 + 600;
  const token = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'a', exp })).toString('base64url')}.sig`;
  assert.equal(await authority.revoke({ token }), 1);
  assert.deepEqual(distributed[0], { kind: 'token', id: fingerprint(token), until: exp * 1000 + 30_000 });
  assert.equal(await authority.revoke({ jti: 'j' }), 1);
  assert.deepEqual(distributed[1], { kind: 'jti', id: 'j', until: now + 24 * HOUR });
  assert.equal(await authority.revoke({ sub: 's' }), 1);
  assert.deepEqual(distributed[2], { kind: 'sub', id: 's', before: now / 1000, until: now + 24 * HOUR });
  assert.equal(await authority.revoke({ before: now / 1000 - 60 }), 1);
  assert.equal(await authority.revoke({ sub: 's', before: now / 1000 - 100 }), 0, 'already covered');
  // Acknowledged means on disk.
  assert.equal(readFileSync(join(dir, 'revocations.jsonl'), 'utf8').trim().split('\n').length, 4);

  // Many more, then time passes: the token entry and the rest expire; the journal is rewritten with what is left.
  const shortLived = (i: number) => `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: `u${i}`, exp: now / 1000 + 60 })).toString('base64url')}.sig`;
  await Promise.all(Array.from({ length: 2000 }, (_, i) => authority.revoke({ token: shortLived(i) })));
  assert.equal(journal.lines, 2004);
  now += 24 * HOUR - 1;
  await authority.housekeeping();
  assert.equal(set.size, 3, 'jti, sub and all still live; every token entry has expired');
  assert.equal(journal.lines, 3);
  const replay = (await RevocationJournal.read(dir)).map((entry) => entry.kind);
  assert.deepEqual(replay, ['jti', 'sub', 'all']);
  await journal.close();
});
