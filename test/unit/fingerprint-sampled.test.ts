/**
 * A file too big (or too sparse) to read whole is fingerprinted from samples plus its stat identity: a write
 * between the samples — one byte in the middle of a 2 GB sparse file — still changes the fingerprint, so the
 * gate never treats changed content as tested (a new user's trial found it unchanged).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { computeFingerprint } from '../../main/core/workflow/fingerprint';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-fp-sampled-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it('one byte written between the samples of a sparse 2 GB file changes the fingerprint', async () => {
  fs.writeFileSync(path.join(dir, 'app.py'), 'print(1)\n');
  const big = path.join(dir, 'big.bin');
  fs.writeFileSync(big, 'header');
  fs.truncateSync(big, 2 * 1024 ** 3);
  const before = await computeFingerprint({ dir, configHash: 'c' });
  expect(before.notes?.join('\n')).toMatch(/big\.bin .*hashed from samples/);
  // Offset 1 500 000 001 falls between two of the 64 samples (they are ~33 MB apart, 64 KiB each).
  const fd = fs.openSync(big, 'r+');
  fs.writeSync(fd, Buffer.from('y'), 0, 1, 1_500_000_001);
  fs.closeSync(fd);
  const after = await computeFingerprint({ dir, configHash: 'c' });
  expect(after.value).not.toBe(before.value);
  expect(after.manifest.get('big.bin')).not.toBe(before.manifest.get('big.bin'));
  expect(after.manifest.get('app.py')).toBe(before.manifest.get('app.py'));
});
