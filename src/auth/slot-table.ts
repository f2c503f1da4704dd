// The decision cache's index: slots by a 31-bit key, open addressing with linear probing over a typed
// array of keys and an array of slots, evicted by CLOCK with a hand that walks the positions.
//
// Why not a Map: a million entries of Map<number, object> held about 55 bytes each of heap under
// Bun's JSC and 29 under V8 (measured); this holds 12 bytes a position, and at most 3 positions in 4
// are used before it doubles, so 16 to 32 bytes an entry. A lookup reads the key array, then one slot.

/** What the table needs of a slot: its CLOCK bit, the lowest bit of `clock` (see decisions.ts). */
interface Clocked {
  clock: number;
}

const FIRST_CAPACITY = 1024;

export class SlotTable<S extends Clocked> {
  /** key + 1 at each position; 0: empty. */
  private keys = new Int32Array(FIRST_CAPACITY);
  private slots: (S | undefined)[] = new Array<S | undefined>(FIRST_CAPACITY).fill(undefined);
  private mask = FIRST_CAPACITY - 1;
  private hand = 0;
  size = 0;

  /** The slot stored under `key` (0 ≤ key < 2³¹ − 1: stored as key + 1 in an Int32Array). */
  get(key: number): S | undefined {
    const at = this.positionOf(key);
    return at === -1 ? undefined : this.slots[at];
  }

  /**
   * Stores `slot` under `key` (a slot it replaces leaves it its position), with its CLOCK bit set: the
   * hand meets a new slot anywhere in the table, perhaps at once, and it must get a whole turn to be
   * read before it can go, as the oldest would in a list.
   */
  set(key: number, slot: S): void {
    if (slot.clock % 2 === 0) slot.clock += 1;
    if ((this.size + 1) * 4 > this.keys.length * 3) this.grow();
    this.place(key + 1, slot);
  }

  /** Removes the slot under `key`; returns it (the cache counts its bytes off). */
  delete(key: number): S | undefined {
    const at = this.positionOf(key);
    if (at === -1) return undefined;
    const slot = this.slots[at];
    this.deleteAt(at);
    return slot;
  }

  /**
   * Drops the first slot the hand meets that was not read since the hand last passed it, clearing
   * the bit of those that were (second chance). Bounded: each step clears a bit or drops a slot, and
   * a cleared slot is dropped when met again, so at most two turns of the table. Returns the slot
   * dropped (undefined for an empty table).
   */
  evictOne(): S | undefined {
    if (this.size === 0) return undefined;
    for (;;) {
      const at = this.hand;
      this.hand = (at + 1) & this.mask;
      const slot = this.slots[at];
      if (slot === undefined) continue;
      if (slot.clock % 2 === 0) {
        this.deleteAt(at);
        return slot;
      }
      slot.clock -= 1;
    }
  }

  private place(stored: number, slot: S): void {
    let i = (stored - 1) & this.mask;
    while (this.keys[i] !== 0 && this.keys[i] !== stored) i = (i + 1) & this.mask;
    if (this.keys[i] === 0) this.size++;
    this.keys[i] = stored;
    this.slots[i] = slot;
  }

  private positionOf(key: number): number {
    const stored = key + 1;
    for (let i = key & this.mask; ; i = (i + 1) & this.mask) {
      const found = this.keys[i];
      if (found === stored) return i;
      if (found === 0) return -1;
    }
  }

  /** Backward-shift deletion: later entries of the probe run move up, so no lookup stops at a hole. */
  private deleteAt(at: number): void {
    const { keys, slots, mask } = this;
    let hole = at;
    for (let j = (at + 1) & mask; keys[j] !== 0; j = (j + 1) & mask) {
      const home = (keys[j]! - 1) & mask;
      // The entry at j may fill the hole when the hole lies on its probe path, from home to j.
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        keys[hole] = keys[j]!;
        slots[hole] = slots[j];
        hole = j;
      }
    }
    keys[hole] = 0;
    slots[hole] = undefined;
    this.size--;
  }

  private grow(): void {
    const { keys, slots } = this;
    const capacity = keys.length * 2;
    this.keys = new Int32Array(capacity);
    this.slots = new Array<S | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
    this.hand = 0;
    this.size = 0;
    // Placed as they are: moving to a bigger table reads no slot and sets no CLOCK bit.
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) this.place(keys[i]!, slots[i]!);
  }
}
