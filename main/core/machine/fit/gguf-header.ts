/**
 * A bounded GGUF (v2/v3) header reader: the metadata key/values and the tensor infos, never the weights.
 * Reads in 64 KB steps from the file's start and stops at the end of the tensor infos; arrays (the tokenizer's
 * vocabulary) are walked for their lengths only, never decoded. Every count and length is capped, so a hostile
 * or truncated file is an error with the reason, not a hang or a huge allocation.
 *
 * Why not `@huggingface/gguf` (0.4.6, checked 2026-12-07): for a local file it reads 2 MB chunks, which take
 * in the first weights of a model whose header is smaller than that, decodes every tokenizer string (hundreds of
 * thousands per model), opens the path without a regular-file check, and needs `@huggingface/tasks` at run time.
 * Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
 */
import fs from 'node:fs';
import { closeProjectFile, openProjectFile } from '../../boundary/files';

/** A metadata value as the estimate uses it: scalars kept, arrays reduced to their element type and length. */
export type GgufValue = number | bigint | string | boolean | { arrayType: number; length: number };

export interface GgufTensor {
  name: string;
  dims: number[];
  /** ggml type id (0 F32, 1 F16, 2 Q4_0, 12 Q4_K, …). */
  type: number;
}

export interface GgufHeader {
  version: number;
  metadata: Map<string, GgufValue>;
  tensors: GgufTensor[];
  /** Bytes from the file's start to where reading stopped. */
  headerBytes: number;
  fileBytes: number;
  /**
   * False when reading stopped at the tokenizer (see readGgufHeader): the metadata after it and the tensor
   * infos were not read, and the weights are the file's size.
   */
  complete: boolean;
}

const MAGIC = 0x46554747; // "GGUF" little-endian
const CHUNK = 64 * 1024;
/** Real headers are 1–15 MB (a 256k-token vocabulary); anything past this is not a header. */
export const MAX_HEADER_BYTES = 64 * 1024 * 1024;
const MAX_KV = 65_536;
const MAX_TENSORS = 65_536;
const MAX_STRING = 1024 * 1024;
const MAX_ARRAY = 16 * 1024 * 1024;
const MAX_DIMS = 8;

/** Bytes of each scalar type id (8: string and 9: array are variable). */
const SCALAR_BYTES: Record<number, number> = {
  0: 1,
  1: 1,
  2: 2,
  3: 2,
  4: 4,
  5: 4,
  6: 4,
  7: 1,
  10: 8,
  11: 8,
  12: 8,
};

/** Thrown for a file that is not a readable GGUF header; the message says what was wrong and where. */
export class GgufError extends Error {
  override name = 'GgufError';
}

class Cursor {
  /** One reused buffer; bytes start..start+len of the file are in buf[0..len). */
  private buf: Buffer = Buffer.allocUnsafe(CHUNK);
  private len = 0;
  private start = 0;
  pos = 0;
  constructor(
    private readonly fd: number,
    private readonly size: number,
    private readonly file: string,
  ) {}

  /** Reads up to `want` bytes (at least `n`) from pos into the reused buffer. */
  private fill(n: number, want: number): void {
    if (this.pos + n > this.size)
      throw new GgufError(`${this.file}: ends inside the header (at byte ${this.pos})`);
    if (this.pos + n > MAX_HEADER_BYTES)
      throw new GgufError(`${this.file}: header longer than ${MAX_HEADER_BYTES / 1024 / 1024} MB`);
    const size = Math.min(Math.max(want, n), this.size - this.pos);
    if (this.buf.length < size) this.buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const r = fs.readSync(this.fd, this.buf, got, size - got, this.pos + got);
      if (r <= 0) break;
      got += r;
    }
    if (got < n) throw new GgufError(`${this.file}: short read at byte ${this.pos}`);
    this.start = this.pos;
    this.len = got;
  }

  /** Makes bytes pos..pos+n readable (reading `chunk` bytes when they are not) and moves past them. */
  private need(n: number, chunk = CHUNK): number {
    if (this.pos < this.start || this.pos + n > this.start + this.len) this.fill(n, chunk);
    const at = this.pos - this.start;
    this.pos += n;
    return at;
  }
  // need() may replace the buffer: call it before reading this.buf.
  u32(): number {
    const at = this.need(4);
    return this.buf.readUInt32LE(at);
  }
  /** A u64 count or length that must be at most `max` (read as two u32: no BigInt on the hot path). */
  count(max: number, what: string): number {
    const at = this.need(8);
    const v = this.buf.readUInt32LE(at) + this.buf.readUInt32LE(at + 4) * 2 ** 32;
    if (v > max) throw new GgufError(`${this.file}: ${what} ${v} is over the limit ${max}`);
    return v;
  }
  /**
   * Walks `n` length-prefixed strings without decoding them (the tokenizer's 100k+ tokens and merges). Reads
   * grow to 1 MB but never past the array's smallest possible end (8 bytes per string left) beyond 64 KB.
   */
  skipStrings(n: number): void {
    let left = n;
    while (left > 0) {
      if (this.pos < this.start || this.pos + 8 > this.start + this.len)
        this.fill(8, Math.min(1024 * 1024, Math.max(CHUNK, 8 * left)));
      // The tight loop: strings inside the buffer, no calls but the reads.
      const b = this.buf;
      const end = this.len - 8;
      let i = this.pos - this.start;
      while (left > 0 && i <= end) {
        const len = b.readUInt32LE(i) + b.readUInt32LE(i + 4) * 4294967296;
        if (len > MAX_STRING)
          throw new GgufError(`${this.file}: string length ${len} is over the limit ${MAX_STRING}`);
        i += 8 + len;
        left--;
      }
      this.pos = this.start + i;
      if (this.pos > this.size) throw new GgufError(`${this.file}: ends inside the header`);
    }
  }
  str(): string {
    const n = this.count(MAX_STRING, 'string length');
    const at = this.need(n);
    return this.buf.toString('utf8', at, at + n);
  }
  skip(n: number): void {
    if (this.pos + n > this.size) throw new GgufError(`${this.file}: ends inside the header`);
    this.pos += n;
  }
  scalar(type: number): GgufValue {
    const at = this.need(SCALAR_BYTES[type]!);
    const b = this.buf;
    switch (type) {
      case 0:
        return b.readUInt8(at);
      case 1:
        return b.readInt8(at);
      case 2:
        return b.readUInt16LE(at);
      case 3:
        return b.readInt16LE(at);
      case 4:
        return b.readUInt32LE(at);
      case 5:
        return b.readInt32LE(at);
      case 6:
        return b.readFloatLE(at);
      case 7:
        return b.readUInt8(at) !== 0;
      case 10:
        return b.readBigUInt64LE(at);
      case 11:
        return b.readBigInt64LE(at);
      default:
        return b.readDoubleLE(at);
    }
  }
}

function readValue(c: Cursor, type: number, file: string, depth = 0): GgufValue {
  if (type === 8) return c.str();
  if (type === 9) {
    const arrayType = c.u32();
    const length = c.count(MAX_ARRAY, 'array length');
    if (SCALAR_BYTES[arrayType] !== undefined) c.skip(SCALAR_BYTES[arrayType] * length);
    else if (arrayType === 8) c.skipStrings(length);
    else if (arrayType === 9 && depth < 2) for (let i = 0; i < length; i++) readValue(c, 9, file, depth + 1);
    else throw new GgufError(`${file}: unsupported array element type ${arrayType}`);
    return { arrayType, length };
  }
  if (SCALAR_BYTES[type] === undefined) throw new GgufError(`${file}: unknown value type ${type}`);
  return c.scalar(type);
}

/** A file this big carries its weights: its size is the weights' size (the header is under 0.1 % of it). */
const WITH_WEIGHTS_BYTES = 256 * 1024 * 1024;

/** Whether the keys the estimate needs were all read (the architecture's come before the tokenizer's). */
const haveShape = (m: Map<string, GgufValue>): boolean => {
  const arch = m.get('general.architecture');
  return (
    typeof arch === 'string' &&
    ['block_count', 'embedding_length', 'attention.head_count'].every((k) => m.has(`${arch}.${k}`))
  );
};

/**
 * Reads a GGUF file's header (metadata and tensor infos) with bounded reads; throws GgufError or
 * ProjectFileError. In a file that carries its weights, reading stops at the first large string array (the
 * tokenizer's vocabulary, 2–8 MB to walk) once the shape's keys are known: usually within the first 64 KB.
 */
export function readGgufHeader(file: string, o: { full?: boolean } = {}): GgufHeader {
  const f = openProjectFile(file, { what: 'model file' });
  try {
    const c = new Cursor(f.fd, f.stat.size, file);
    if (c.u32() !== MAGIC) throw new GgufError(`${file}: not a GGUF file (no GGUF magic)`);
    const version = c.u32();
    if (version !== 2 && version !== 3)
      throw new GgufError(`${file}: GGUF version ${version} (2 and 3 are read)`);
    const tensorCount = c.count(MAX_TENSORS, 'tensor count');
    const kvCount = c.count(MAX_KV, 'key/value count');
    const metadata = new Map<string, GgufValue>();
    const early = !o.full && f.stat.size >= WITH_WEIGHTS_BYTES;
    for (let i = 0; i < kvCount; i++) {
      const key = c.str();
      const type = c.u32();
      if (early && type === 9) {
        const at = c.pos;
        const arrayType = c.u32();
        const length = c.count(MAX_ARRAY, 'array length');
        if (arrayType === 8 && length > 4096 && haveShape(metadata)) {
          metadata.set(key, { arrayType, length });
          return {
            version,
            metadata,
            tensors: [],
            headerBytes: c.pos,
            fileBytes: f.stat.size,
            complete: false,
          };
        }
        c.pos = at;
      }
      metadata.set(key, readValue(c, type, file));
    }
    const tensors: GgufTensor[] = [];
    for (let i = 0; i < tensorCount; i++) {
      const name = c.str();
      const nDims = c.u32();
      if (nDims > MAX_DIMS) throw new GgufError(`${file}: tensor ${name} has ${nDims} dimensions`);
      const dims: number[] = [];
      for (let d = 0; d < nDims; d++) dims.push(c.count(2 ** 40, `tensor ${name} dimension`));
      const type = c.u32();
      c.skip(8); // offset into the data section
      tensors.push({ name, dims, type });
    }
    return { version, metadata, tensors, headerBytes: c.pos, fileBytes: f.stat.size, complete: true };
  } finally {
    closeProjectFile(f);
  }
}
