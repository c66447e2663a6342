import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createDigest,
  hmacSha256Hex,
  NATIVE_FROM,
  sameBytes,
  sha256Hex,
} from '../../main/core/platform/digest';

const native = (alg: string, ...parts: (string | Uint8Array)[]) => {
  const h = crypto.createHash(alg);
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

describe('digest: the one hash module (JS for small inputs, node:crypto past NATIVE_FROM)', () => {
  it('gives node:crypto’s SHA-256 and SHA-1 for text (UTF-8) and bytes, below and past the hand-over', () => {
    for (const size of [0, 1, 55, 64, 1000, NATIVE_FROM - 1, NATIVE_FROM, NATIVE_FROM + 1, 3 * NATIVE_FROM]) {
      const text = 'é€😀a'.repeat(Math.ceil(size / 4)).slice(0, size);
      const bytes = crypto.randomBytes(size);
      expect(sha256Hex(text)).toBe(native('sha256', text));
      expect(sha256Hex(bytes)).toBe(native('sha256', bytes));
      expect(createDigest('sha1').update(bytes).hex()).toBe(native('sha1', bytes));
    }
  });

  it('hashes a stream of updates that crosses the hand-over the same as one update', () => {
    const chunks = Array.from({ length: 40 }, (_, i) => crypto.randomBytes(997 * (i + 1)));
    const d = createDigest('sha256');
    for (const c of chunks) d.update(c);
    expect(d.hex()).toBe(native('sha256', ...chunks));
  });

  it('keeps what it was fed when the caller reuses its buffer for the next read', () => {
    const buf = Buffer.alloc(1000);
    const d = createDigest('sha1');
    const fed: Buffer[] = [];
    for (let i = 0; i < 5; i++) {
      buf.fill(i + 1);
      fed.push(Buffer.from(buf));
      d.update(buf);
    }
    expect(d.hex()).toBe(native('sha1', ...fed));
  });

  it('gives node:crypto’s HMAC-SHA-256', () => {
    const key = crypto.randomBytes(32);
    const msg = JSON.stringify([2, '/home/ü/project', 'abc', 1, 'offload.yml']);
    expect(hmacSha256Hex(key, msg)).toBe(crypto.createHmac('sha256', key).update(msg).digest('hex'));
    expect(hmacSha256Hex(crypto.randomBytes(32), msg)).not.toBe(hmacSha256Hex(key, msg));
  });

  it('compares byte strings', () => {
    const a = Buffer.from('00ff10', 'hex');
    expect(sameBytes(a, Buffer.from('00ff10', 'hex'))).toBe(true);
    expect(sameBytes(a, Buffer.from('00ff11', 'hex'))).toBe(false);
    expect(sameBytes(a, Buffer.from('00ff', 'hex'))).toBe(false);
    expect(sameBytes(Buffer.alloc(0), Buffer.alloc(0))).toBe(true);
  });
});
