import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeDigests, NATIVE_FROM, sameBytes, sha256Hex } from '../../main/core/platform/digest';

const native = (alg: string, ...parts: (string | Uint8Array)[]) => {
  const h = crypto.createHash(alg);
  for (const p of parts) h.update(p);
  return h.digest('hex');
};
const SIZES = [0, 1, 55, 64, 500, NATIVE_FROM - 1, NATIVE_FROM, NATIVE_FROM + 1, 3 * NATIVE_FROM];

describe('digest: the one hash module (JS for small inputs, node:crypto from NATIVE_FROM bytes on)', () => {
  it('gives node:crypto’s SHA-256 and SHA-1 for text (UTF-8) and bytes, in JS and past the hand-over', () => {
    for (const size of SIZES) {
      // fresh hash functions for each size: the JS path is taken until a hash is fed NATIVE_FROM bytes
      const text = 'é€😀a'.repeat(size).slice(0, size);
      const bytes = crypto.randomBytes(size);
      const d = makeDigests();
      expect(d.createDigest('sha1').update(bytes).hex()).toBe(native('sha1', bytes));
      expect(d.sha256Hex(bytes)).toBe(native('sha256', bytes));
      expect(d.native).toBe(size >= NATIVE_FROM);
      expect(makeDigests().sha256Hex(text)).toBe(native('sha256', text));
    }
  });

  it('once node:crypto took over, every later hash is its, with the same digests', () => {
    const d = makeDigests();
    expect(d.sha256Hex('small')).toBe(native('sha256', 'small'));
    expect(d.native).toBe(false);
    d.createDigest('sha256').update(Buffer.alloc(NATIVE_FROM)).hex();
    expect(d.native).toBe(true);
    expect(d.sha256Hex('other')).toBe(native('sha256', 'other'));
    expect(d.sha256Hex('small')).toBe(native('sha256', 'small')); // remembered
  });

  it('hashes a stream of updates that crosses the hand-over the same as one update', () => {
    const chunks = Array.from({ length: 40 }, (_, i) => crypto.randomBytes(97 * (i + 1)));
    const d = makeDigests().createDigest('sha256');
    for (const c of chunks) d.update(c);
    expect(d.hex()).toBe(native('sha256', ...chunks));
  });

  it('keeps what it was fed when the caller reuses its buffer for the next read', () => {
    const buf = Buffer.alloc(100);
    const d = makeDigests().createDigest('sha1');
    const fed: Buffer[] = [];
    for (let i = 0; i < 5; i++) {
      buf.fill(i + 1);
      fed.push(Buffer.from(buf));
      d.update(buf);
    }
    expect(d.hex()).toBe(native('sha1', ...fed));
  });

  it('gives node:crypto’s HMAC-SHA-256, short and long, before and after the hand-over', () => {
    const key = crypto.randomBytes(32);
    const hmac = (msg: string) => crypto.createHmac('sha256', key).update(msg).digest('hex');
    const short = JSON.stringify([2, '/home/ü/project', 'abc', 1, 'offload.yml']);
    const long = 'ü'.repeat(NATIVE_FROM);
    const d = makeDigests();
    expect(d.hmacSha256Hex(key, short)).toBe(hmac(short));
    expect(d.hmacSha256Hex(key, short)).toBe(hmac(short));
    expect(d.native).toBe(false);
    expect(d.hmacSha256Hex(crypto.randomBytes(32), short)).not.toBe(hmac(short));
    expect(d.hmacSha256Hex(key, long)).toBe(hmac(long));
    expect(d.native).toBe(true);
    expect(d.hmacSha256Hex(key, short + 'x')).toBe(hmac(short + 'x'));
  });

  it('the process’s own functions agree', () => {
    expect(sha256Hex('/tmp/project')).toBe(native('sha256', '/tmp/project'));
  });

  it('compares byte strings', () => {
    const a = Buffer.from('00ff10', 'hex');
    expect(sameBytes(a, Buffer.from('00ff10', 'hex'))).toBe(true);
    expect(sameBytes(a, Buffer.from('00ff11', 'hex'))).toBe(false);
    expect(sameBytes(a, Buffer.from('00ff', 'hex'))).toBe(false);
    expect(sameBytes(Buffer.alloc(0), Buffer.alloc(0))).toBe(true);
  });
});
