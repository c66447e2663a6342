/**
 * The one place Offload hashes: SHA-256 (history folders, trust digests, kept configs, fingerprints), git's SHA-1
 * (a file's content id) and HMAC-SHA-256 (the trust file's seals).
 *
 * Small inputs are hashed by @noble/hashes (audited, pure JS): loading node:crypto costs ~10 ms of a command's
 * start, and `offload status` on a clean tree hashes a few hundred bytes (issue 20). But a command runs that JS
 * in V8's interpreter, at ~0.1 ms per 64-byte block: a hash fed NATIVE_FROM bytes moves to node:crypto, and once
 * node:crypto is loaded every later hash uses it. The bytes and the digest are the same either way.
 */
import crypto from 'node:crypto';
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';

/** From this many bytes a hash is node:crypto's (16 blocks: ~2 ms interpreted, a fifth of crypto's load). */
export const NATIVE_FROM = 1024;

export type DigestAlgorithm = 'sha1' | 'sha256';

/** A running hash: update() with text (UTF-8) or bytes, then digest() once. */
export interface Digest {
  update(data: string | Uint8Array): Digest;
  /** The digest's bytes; the hash cannot be fed after. */
  digest(): Buffer;
  /** The digest in lowercase hex. */
  hex(): string;
}

export interface Digests {
  /** A hash that starts in JS and moves to node:crypto once it has been fed NATIVE_FROM bytes. */
  createDigest(algorithm: DigestAlgorithm): Digest;
  /** SHA-256 of text (UTF-8) or bytes, in lowercase hex. */
  sha256Hex(data: string | Uint8Array): string;
  /** HMAC-SHA-256 of text (UTF-8) under `key`, in lowercase hex. */
  hmacSha256Hex(key: Uint8Array, data: string): string;
  /** Whether node:crypto took over (it is loaded: every later hash uses it). */
  readonly native: boolean;
}

const NOBLE = { sha1, sha256 } as const;
const encoder = new TextEncoder();
/** Short texts' digests remembered per process (`offload watch` hashes for hours: bounded). */
const REMEMBERED = 256;

/** A set of hash functions with their own hand-over state (the process has one: tests make fresh ones). */
export function makeDigests(): Digests {
  let native = false;
  // a command hashes its project's path several times and reads the trust file's seals twice
  const made = new Map<string, string>();
  const remembered = (key: string, make: () => string): string => {
    let value = made.get(key);
    if (value === undefined) {
      value = make();
      if (made.size >= REMEMBERED) made.clear();
      made.set(key, value);
    }
    return value;
  };

  const createDigest = (algorithm: DigestAlgorithm): Digest => {
    let hash: crypto.Hash | undefined = native ? crypto.createHash(algorithm) : undefined;
    let held: Uint8Array[] = [];
    let size = 0;
    const self: Digest = {
      update(data) {
        if (hash) {
          hash.update(data);
          return self;
        }
        // a copy (a Buffer's slice() is a view): a caller may reuse its buffer for the next read
        const bytes = typeof data === 'string' ? encoder.encode(data) : new Uint8Array(data);
        held.push(bytes);
        size += bytes.length;
        if (size >= NATIVE_FROM) {
          hash = crypto.createHash(algorithm);
          native = true;
          for (const b of held) hash.update(b);
          held = [];
        }
        return self;
      },
      digest() {
        if (hash) return hash.digest();
        const h = NOBLE[algorithm].create();
        for (const b of held) h.update(b);
        held = [];
        return Buffer.from(h.digest());
      },
      hex: () => self.digest().toString('hex'),
    };
    return self;
  };

  const sha256Hex = (data: string | Uint8Array): string =>
    typeof data === 'string' && data.length < NATIVE_FROM
      ? remembered(`s${data}`, () => createDigest('sha256').update(data).hex())
      : createDigest('sha256').update(data).hex();

  const hmacSha256Hex = (key: Uint8Array, data: string): string => {
    const make = (): string => {
      const bytes = encoder.encode(data);
      if (!native && bytes.length < NATIVE_FROM) return Buffer.from(hmac(sha256, key, bytes)).toString('hex');
      native = true;
      return crypto.createHmac('sha256', key).update(bytes).digest('hex');
    };
    return data.length < NATIVE_FROM
      ? remembered(`h${Buffer.from(key).toString('hex')}\0${data}`, make)
      : make();
  };

  return {
    createDigest,
    sha256Hex,
    hmacSha256Hex,
    get native() {
      return native;
    },
  };
}

/** The process's hash functions. */
export const { createDigest, sha256Hex, hmacSha256Hex } = makeDigests();

/** Whether two byte strings are equal, in time that depends on their length only (a seal's check). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
