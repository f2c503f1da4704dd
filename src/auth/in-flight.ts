// Work in flight by credential (a verification, a call to the app's auth endpoint), so that
// concurrent requests with one credential share it.
//
// The Map is replaced by a fresh one every FRESH_EVERY registrations, carrying over what is still in
// flight. Why: V8 allocates a Map's next backing table (grown, shrunk or rehashed after deletes) in the
// generation of the table it replaces. A Map that lives long gets its table promoted to the old
// generation, and from then on each table it leaves behind is a dead old-space object whose stale
// entries (promises, credentials, through them whatever a pending request holds) are roots for every
// scavenge until the next full GC: they are kept alive and promoted. With 64 verifications always in
// flight, a million verifications left ~60 MiB of holes in the old space (the running gateway after
// a sweep of 1M users: old space 306 MiB committed for 241 MiB used and RSS 439 MiB, against 249 for
// 244 and 388 MiB with this). A fresh Map's tables are young and die young.
const FRESH_EVERY = 256;

export class InFlight<T> {
  private map = new Map<string, Promise<T>>();
  private registered = 0;

  constructor(
    /** Entries at most; beyond it, work is done without sharing. */
    private readonly max: number,
  ) {}

  get(credential: string): Promise<T> | undefined {
    return this.map.get(credential);
  }

  /**
   * Shares `work` with later requests for `credential` until it settles (or not at all when full).
   * `credential` is kept: pass a flat copy (flatCopy), not a slice of a request's header.
   */
  share(credential: string, work: Promise<T>): void {
    if (this.map.size >= this.max) return;
    if (++this.registered >= FRESH_EVERY) {
      this.registered = 0;
      this.map = new Map(this.map);
    }
    this.map.set(credential, work);
    const forget = () => {
      if (this.map.get(credential) === work) this.map.delete(credential);
    };
    work.then(forget, forget);
  }

  get size(): number {
    return this.map.size;
  }
}
