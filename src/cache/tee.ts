// Streams an origin body to its first client while collecting it for the store. The origin is read
// at its own pace, not the client's, so a slow first client does not hold back everyone waiting
// for the stored copy. Past the object limit collecting stops (memory stays bounded) and the client
// reads the rest straight from the origin.

export class BodyTee {
  readonly #source: AsyncIterator<Uint8Array>;
  readonly #limit: number;
  #chunks: (Uint8Array | undefined)[] = [];
  #length = 0;
  #done = false;
  #over = false;
  #error: unknown = undefined;
  #wake: (() => void) | undefined;
  #beyond: { bytes: number; resolve: () => void } | undefined;
  /** The whole body when it arrived within the limit; null when over the limit or failed. */
  readonly complete: Promise<Buffer | null>;

  constructor(source: AsyncIterable<Uint8Array>, limit: number) {
    this.#source = source[Symbol.asyncIterator]();
    this.#limit = limit;
    this.complete = this.#pump();
  }

  async #pump(): Promise<Buffer | null> {
    try {
      for (;;) {
        const next = await this.#source.next();
        if (next.done) {
          this.#done = true;
          return Buffer.concat(this.#chunks as Uint8Array[], this.#length);
        }
        this.#chunks.push(next.value);
        this.#length += next.value.byteLength;
        if (this.#length > this.#limit) {
          this.#over = true;
          return null;
        }
        this.#notify();
      }
    } catch (error) {
      this.#error = error ?? new Error('origin body failed');
      return null;
    } finally {
      this.#notify();
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
    const beyond = this.#beyond;
    if (beyond !== undefined && (this.#length > beyond.bytes || this.#done || this.#over || this.#error !== undefined)) {
      this.#beyond = undefined;
      beyond.resolve();
    }
  }

  /** The whole body arrived within the limit. */
  get collected(): boolean {
    return this.#done;
  }

  /** Resolves once more than `bytes` arrived, or the body ended (complete, over the limit, failed). */
  beyond(bytes: number): Promise<void> {
    return new Promise((resolve) => {
      this.#beyond = { bytes, resolve };
      this.#notify();
    });
  }

  /** The body for the first client: what was collected, as it arrives, then (past the limit) the rest. */
  async *reader(): AsyncIterable<Uint8Array> {
    let index = 0;
    try {
      for (;;) {
        if (index < this.#chunks.length) {
          const chunk = this.#chunks[index]!;
          // Past the limit nothing will be stored: let go of what this reader has sent.
          if (this.#over) this.#chunks[index] = undefined;
          index++;
          yield chunk;
        } else if (this.#error !== undefined) {
          throw this.#error;
        } else if (this.#done) {
          return;
        } else if (this.#over) {
          for (;;) {
            const next = await this.#source.next();
            if (next.done) return;
            yield next.value;
          }
        } else {
          await new Promise<void>((resolve) => (this.#wake = resolve));
        }
      }
    } finally {
      // A client that leaves a body nobody will store frees the origin connection.
      if (this.#over) await this.#source.return?.();
    }
  }
}
