// Reading an origin body for storage without ever holding more than the object limit in memory.

export type Collected =
  | { readonly complete: true; readonly body: Buffer }
  /** Over the limit: what was read so far, then the rest of the stream, for a pass-through. */
  | { readonly complete: false; readonly head: Buffer[]; readonly rest: AsyncIterator<Uint8Array> };

export async function collectUpTo(body: AsyncIterable<Uint8Array>, limit: number): Promise<Collected> {
  const iterator = body[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let length = 0;
  for (;;) {
    const next = await iterator.next();
    if (next.done) return { complete: true, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length) };
    const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    chunks.push(chunk);
    length += chunk.length;
    if (length > limit) return { complete: false, head: chunks, rest: iterator };
  }
}

/** Replays what was read, then streams the rest. */
export async function* replay(head: readonly Uint8Array[], rest: AsyncIterator<Uint8Array>): AsyncIterable<Uint8Array> {
  yield* head;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value;
  }
}
