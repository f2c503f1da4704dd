// The revocation journal: an append-only file under stateDir, one JSON line per revocation, fsynced
// before a revocation is acknowledged, replayed at start, compacted as entries expire. A line torn
// by a crash (the last one, unterminated or unparsable) is ignored: it was never acknowledged.
//
// Appends arriving together share one write and one fdatasync (group commit), so a burst of logouts
// costs one disk flush, not one each. One process owns a stateDir (a lock file with its pid).
import { constants } from 'node:fs';
import { mkdir, open, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { isRevocation, type Revocation } from './revocations.js';

const FILE = 'revocations.jsonl';
const LOCK = 'lock';

export class StateDirLockedError extends Error {
  readonly code = 'BOUNCER_STATE_DIR_LOCKED';
  constructor(dir: string, pid: number) {
    super(`stateDir ${dir} is in use by process ${pid} (each Bouncer process or cluster needs its own stateDir)`);
  }
}

export interface Replayed {
  readonly journal: RevocationJournal;
  /** Every well-formed line, in order (the caller drops what has expired). */
  readonly entries: readonly Revocation[];
  /** Lines that could not be read (a torn last line included). */
  readonly skipped: number;
}

export class RevocationJournal {
  #pending: { lines: string; resolve: () => void; reject: (error: unknown) => void }[] = [];
  #flushing: Promise<void> | undefined;
  #lines: number;

  private constructor(
    private readonly dir: string,
    private handle: FileHandle,
    lines: number,
  ) {
    this.#lines = lines;
  }

  /** Takes the stateDir's lock and replays its journal. */
  static async open(dir: string): Promise<Replayed> {
    await mkdir(dir, { recursive: true });
    await takeLock(dir);
    const path = join(dir, FILE);
    const text = await readJournal(path);
    const { entries, skipped, lines } = parseJournal(text);
    // A torn tail would glue the next append onto it: end the file with a newline first.
    const handle = await open(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
    if (text !== '' && !text.endsWith('\n')) await handle.write('\n');
    return { journal: new RevocationJournal(dir, handle, lines), entries, skipped };
  }

  /** The journal's entries, read without the lock (a cluster worker, while the primary owns the file). */
  static async read(dir: string): Promise<readonly Revocation[]> {
    return parseJournal(await readJournal(join(dir, FILE))).entries;
  }

  /** Resolves once the entries are on disk (written and fdatasynced). */
  append(entries: readonly Revocation[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    const lines = entries.map((entry) => JSON.stringify(entry) + '\n').join('');
    return new Promise((resolve, reject) => {
      this.#pending.push({ lines, resolve, reject });
      this.#flushing ??= this.#flush();
    });
  }

  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      try {
        await this.handle.write(batch.map((b) => b.lines).join(''));
        await this.handle.datasync();
        this.#lines += batch.reduce((sum, b) => sum + b.lines.split('\n').length - 1, 0);
        for (const b of batch) b.resolve();
      } catch (error) {
        for (const b of batch) b.reject(error);
      }
    }
    this.#flushing = undefined;
  }

  /** Lines in the file (live and expired): the caller compacts when too many are dead. */
  get lines(): number {
    return this.#lines;
  }

  /** Rewrites the journal with only `live` (a new file, fsynced, renamed over the old one). */
  async compact(live: Iterable<Revocation>): Promise<void> {
    await this.#flushing;
    const path = join(this.dir, FILE);
    const temporary = `${path}.${process.pid}.tmp`;
    const list = [...live];
    const file = await open(temporary, 'w', 0o600);
    try {
      await file.write(list.map((entry) => JSON.stringify(entry) + '\n').join(''));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
    await syncDirectory(this.dir);
    const old = this.handle;
    this.handle = await open(path, constants.O_WRONLY | constants.O_APPEND, 0o600);
    this.#lines = list.length;
    await old.close();
  }

  async close(): Promise<void> {
    await this.#flushing;
    await this.handle.close();
    await rm(join(this.dir, LOCK), { force: true });
  }
}

async function readJournal(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

function parseJournal(text: string): { entries: Revocation[]; skipped: number; lines: number } {
  const entries: Revocation[] = [];
  let skipped = 0;
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const line of lines) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      skipped++;
      continue;
    }
    if (isRevocation(value)) entries.push(value);
    else skipped++;
  }
  return { entries, skipped, lines: lines.length };
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** One process per stateDir: the lock names its pid; a lock whose process is gone is taken over. */
async function takeLock(dir: string): Promise<void> {
  const path = join(dir, LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, String(process.pid), { flag: 'wx', mode: 0o600 });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = Number(await readFile(path, 'utf8').catch(() => ''));
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw new StateDirLockedError(dir, pid);
    await rm(path, { force: true });
  }
  throw new StateDirLockedError(dir, -1);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
