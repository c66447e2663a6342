/**
 * The one place Offload hashes: SHA-256 (history folders, trust digests, kept configs, fingerprints), git's SHA-1
 * (a file's content id) and HMAC-SHA-256 (the trust file's seals).
 *
 * Small inputs are hashed by @noble/hashes (audited, pure JS): loading node:crypto costs ~10 ms of every command's
 * start, and `offload status` hashes only a few hundred bytes (issue 20). Input that grows past NATIVE_FROM is
 * handed to node:crypto, whose native code is far faster on megabytes (a 30 000-file fingerprint, a large source
 * file): the bytes and the digest are the same either way.
 */
import crypto from 'node:crypto';
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';

/** Past this many bytes a hash is node:crypto's (its load is then a small part of the work). */
export const NATIVE_FROM = 64 * 1024;

export type DigestAlgorithm = 'sha1' | 'sha256';

/** A running hash: update() with text (UTF-8) or bytes, then digest() once. */
export interface Digest {
  update(data: string | Uint8Array): Digest;
  /** The digest's bytes; the hash cannot be fed after. */
  digest(): Buffer;
  /** The digest in lowercase hex. */
  hex(): string;
}

const NOBLE = { sha1, sha256 } as const;
const encoder = new TextEncoder();

/** A hash that starts in JS and moves to node:crypto once it has been fed NATIVE_FROM bytes. */
export function createDigest(algorithm: DigestAlgorithm): Digest {
  let native: crypto.Hash | undefined;
  let held: Uint8Array[] = [];
  let size = 0;
  const self: Digest = {
    update(data) {
      if (native) {
        native.update(data);
        return self;
      }
      // a copy (a Buffer's slice() is a view): a caller may reuse its buffer for the next read
      const bytes = typeof data === 'string' ? encoder.encode(data) : new Uint8Array(data);
      held.push(bytes);
      size += bytes.length;
      if (size >= NATIVE_FROM) {
        native = crypto.createHash(algorithm);
        for (const b of held) native.update(b);
        held = [];
      }
      return self;
    },
    digest() {
      if (native) return native.digest();
      const h = NOBLE[algorithm].create();
      for (const b of held) h.update(b);
      held = [];
      return Buffer.from(h.digest());
    },
    hex: () => self.digest().toString('hex'),
  };
  return self;
}

/** SHA-256 of text (UTF-8) or bytes, in lowercase hex. */
export const sha256Hex = (data: string | Uint8Array): string => createDigest('sha256').update(data).hex();

/** HMAC-SHA-256 of text (UTF-8) under `key`, in lowercase hex. */
export const hmacSha256Hex = (key: Uint8Array, data: string): string =>
  Buffer.from(hmac(sha256, key, encoder.encode(data))).toString('hex');

/** Whether two byte strings are equal, in time that depends on their length only (a seal's check). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
