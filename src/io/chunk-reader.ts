// A window over a byte stream for parsers that consume it front to back: the unconsumed bytes of
// the previous chunk are joined to the next one, so a line or record may cross chunk boundaries
// while only one chunk and one partial record are held at a time.
import { progressReporter, throwIfAborted, type ByteStream } from "./source.ts";

export class ChunkReader {
  /** Current bytes; [pos, end) is unconsumed. */
  buf: Uint8Array = new Uint8Array(0);
  pos = 0;
  /** File offset of buf[0], for error messages. */
  base = 0;
  /** True once the stream has no more chunks. */
  done = false;
  private readonly iterator: AsyncIterator<Uint8Array>;
  private readonly progress: ReturnType<typeof progressReporter>;

  constructor(
    readonly stream: ByteStream,
    onProgress: ((fraction: number) => void) | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.iterator = stream.chunks[Symbol.asyncIterator]();
    this.progress = progressReporter(onProgress);
  }

  get end(): number {
    return this.buf.length;
  }

  /** File offset of buf[at]. */
  offset(at: number): number {
    return this.base + at;
  }

  /** Appends the next chunk to the unconsumed bytes; false at the end of the stream. */
  async fill(): Promise<boolean> {
    throwIfAborted(this.signal);
    if (this.done) return false;
    const next = await this.iterator.next();
    throwIfAborted(this.signal);
    if (next.done) {
      this.done = true;
      return false;
    }
    const chunk = next.value;
    const rest = this.buf.length - this.pos;
    const consumedBefore = this.base + this.pos;
    if (rest === 0) {
      this.buf = chunk;
    } else {
      const joined = new Uint8Array(rest + chunk.length);
      joined.set(this.buf.subarray(this.pos));
      joined.set(chunk, rest);
      this.buf = joined;
    }
    this.base = consumedBefore;
    this.pos = 0;
    if (this.stream.size) this.progress.report(consumedBefore / this.stream.size);
    return true;
  }

  /** Stops reading (closes a file) and reports completion. */
  async finish(): Promise<void> {
    if (!this.done) {
      this.done = true;
      await this.iterator.return?.();
    }
    this.progress.done();
  }

  /** Stops reading after an error, without reporting completion. */
  async cancel(): Promise<void> {
    if (!this.done) {
      this.done = true;
      await this.iterator.return?.().catch(() => undefined);
    }
  }
}
