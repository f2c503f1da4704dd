// Two tiers behind one Store: this process's memory, then a store shared by every node (Redis).
// A memory hit stays synchronous (the hot path); a memory miss asks the shared tier and keeps what it
// finds in memory. Writes go to both; a fault of the shared tier is the caller's to turn into a miss.
import type { MemoryStore } from './memory-store.js';
import type { Store, StoredEntry, StorePurge } from './store.js';
import type { VaryRequest } from './vary.js';

export class TieredStore implements Store {
  constructor(
    readonly memory: MemoryStore,
    private readonly shared: Store,
  ) {}

  get(key: string, request: VaryRequest): StoredEntry | undefined | Promise<StoredEntry | undefined> {
    const local = this.memory.get(key, request);
    if (local !== undefined) return local;
    return Promise.resolve(this.shared.get(key, request)).then((found) => {
      if (found !== undefined) this.memory.set(key, found);
      return found;
    });
  }

  /** Memory, then the shared tier, keeping nothing in memory. */
  peek(key: string, request: VaryRequest): StoredEntry | undefined | Promise<StoredEntry | undefined> {
    const local = this.memory.peek(key, request);
    if (local !== undefined) return local;
    return this.shared.peek !== undefined ? this.shared.peek(key, request) : this.shared.get(key, request);
  }

  set(key: string, entry: StoredEntry): Promise<void> {
    this.memory.set(key, entry);
    return Promise.resolve(this.shared.set(key, entry));
  }

  async delete(key: string): Promise<number> {
    const local = this.memory.delete(key);
    return Math.max(local, await this.shared.delete(key));
  }

  async purge(target: StorePurge, options?: { readonly memoryOnly?: boolean }): Promise<number> {
    const local = this.memory.purge(target);
    if (options?.memoryOnly === true) return local;
    return Math.max(local, await this.shared.purge(target));
  }
}
