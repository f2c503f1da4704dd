// A fixed pool of worker slots with a bounded FIFO queue, like a php-fpm pool (pm=static):
// at most `slots` requests run at once, the next ones wait in arrival order, and beyond
// `maxQueue` waiting requests the caller is told to refuse (the 503 of a full listen backlog).

export interface SlotPool {
  /** Runs `job` when a slot is free; returns false (job never runs) when the queue is full. */
  run(job: (release: () => void) => void): boolean;
  readonly busy: number;
  readonly waiting: number;
}

export function createSlotPool(slots: number, maxQueue: number): SlotPool {
  if (!Number.isInteger(slots) || slots < 1) throw new TypeError('slots must be an integer >= 1');
  // A ring of pending jobs: `queue.shift()` is O(n), which a 10,000-deep queue would feel.
  const queue: Array<((release: () => void) => void) | undefined> = [];
  let head = 0;
  let busy = 0;

  const release = (): void => {
    const next = queue[head];
    if (next === undefined) {
      busy--;
      return;
    }
    queue[head++] = undefined;
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
    }
    next(once(release));
  };

  return {
    run(job) {
      if (busy < slots) {
        busy++;
        job(once(release));
        return true;
      }
      if (queue.length - head >= maxQueue) return false;
      queue.push(job);
      return true;
    },
    get busy() {
      return busy;
    },
    get waiting() {
      return queue.length - head;
    },
  };
}

function once(fn: () => void): () => void {
  let called = false;
  return () => {
    if (called) return;
    called = true;
    fn();
  };
}
