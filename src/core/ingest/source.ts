import type { ByteSource } from './model';

export const DEFAULT_CHUNK_SIZE = 64 * 1024;

/**
 * A ByteSource over bytes already in memory (tests, CLI with a Node Buffer).
 * `chunkSize` controls the size of the chunks `stream()` yields (tests use tiny chunks to
 * exercise chunk boundaries).
 */
export function bytesSource(name: string, bytes: Uint8Array, chunkSize: number = DEFAULT_CHUNK_SIZE): ByteSource {
  const step = Math.max(1, Math.floor(chunkSize));
  return {
    name,
    size: bytes.byteLength,
    async *stream() {
      for (let off = 0; off < bytes.byteLength; off += step) {
        yield bytes.subarray(off, Math.min(bytes.byteLength, off + step));
      }
    },
    async slice(start: number, end: number): Promise<ArrayBuffer> {
      const s = Math.max(0, Math.min(bytes.byteLength, start));
      const e = Math.max(s, Math.min(bytes.byteLength, end));
      // copy into a fresh ArrayBuffer (never expose the caller's underlying buffer)
      const out = new Uint8Array(e - s);
      out.set(bytes.subarray(s, e));
      return out.buffer;
    },
  };
}

/** A ByteSource over a string, encoded as UTF-8 (test convenience). */
export function textSource(name: string, text: string, chunkSize?: number): ByteSource {
  return bytesSource(name, new TextEncoder().encode(text), chunkSize);
}

/**
 * A ByteSource over a Blob / File (browser main thread, Web Worker, Node 20).
 * Uses a stream reader loop rather than async iteration of ReadableStream, which not every
 * browser supports.
 */
export function blobSource(blob: Blob, name?: string): ByteSource {
  const maybeName = (blob as unknown as { name?: unknown }).name;
  const fileName = name ?? (typeof maybeName === 'string' ? maybeName : 'data');
  return {
    name: fileName,
    size: blob.size,
    async *stream() {
      const reader = blob.stream().getReader();
      let done = false;
      try {
        for (;;) {
          const r = await reader.read();
          if (r.done) {
            done = true;
            return;
          }
          yield r.value;
        }
      } finally {
        if (!done) {
          try {
            await reader.cancel();
          } catch {
            /* ignore */
          }
        }
        reader.releaseLock();
      }
    },
    async slice(start: number, end: number): Promise<ArrayBuffer> {
      return blob.slice(start, end).arrayBuffer();
    },
  };
}
