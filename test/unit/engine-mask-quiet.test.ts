// MaskingStream.flushQuiet: what a quiet stream's held-back unfinished line may show before its newline comes,
// never a known secret (not even a prefix of one that may still be completed) and never an ::add-mask:: value.
import { describe, expect, it } from 'vitest';
import { Masker, MaskingStream } from '../../main/core/workflow/mask';

const text = (parts: Buffer[]) => Buffer.concat(parts).toString('utf8');

describe('MaskingStream.flushQuiet', () => {
  it('shows an unfinished last line (curl printing JSON) without waiting for the end of the stream', () => {
    const s = new MaskingStream(new Masker());
    expect(text(s.pushParts(Buffer.from('{"ok":true}')))).toBe('');
    expect(text([s.flushQuiet()])).toBe('{"ok":true}');
    expect(text([s.flush()])).toBe('');
  });

  it('holds back the end that could begin a known secret, and masks it once completed', () => {
    const m = new Masker();
    m.add('tok-Zx81-secret');
    const s = new MaskingStream(m);
    const out: Buffer[] = [];
    out.push(...s.pushParts(Buffer.from('split: tok-')));
    const quiet = s.flushQuiet();
    expect(quiet.toString()).toBe('split: ');
    out.push(quiet);
    out.push(...s.pushParts(Buffer.from('Zx81-secret end\n')), s.flush());
    expect(text(out)).toBe('split: *** end\n');
  });

  it('holds a line that may still become ::add-mask:: whole', () => {
    const s = new MaskingStream(new Masker());
    const out = [...s.pushParts(Buffer.from('a\n::add-mask::dyn-val'))];
    out.push(s.flushQuiet());
    expect(text(out)).toBe('a\n');
    out.push(...s.pushParts(Buffer.from('ue\nuse dyn-value\n')), s.flush());
    expect(text(out)).toBe('a\n::add-mask::***\nuse ***\n');
  });

  it('randomised: quiet flushes anywhere never leak a secret and change nothing else', () => {
    let seed = 0x9e3779b9;
    const rand = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
    const secrets = ['s3cr3t-value', 'pässwörd-🔑', 'ab'];
    let quietShown = 0;
    for (let round = 0; round < 300; round++) {
      const m = new Masker();
      for (const v of secrets) m.add(v);
      let input = '';
      let expected = '';
      for (let i = 0; i < 20; i++) {
        const r = rand();
        const piece =
          r < 0.3
            ? secrets[Math.floor(rand() * secrets.length)]!
            : r < 0.4
              ? '\n'
              : 'xyz é '.slice(0, 1 + Math.floor(rand() * 6));
        input += piece;
        expected += secrets.includes(piece) ? '***' : piece;
      }
      const s = new MaskingStream(m, 64);
      const bytes = Buffer.from(input);
      const out: Buffer[] = [];
      for (let at = 0; at < bytes.length;) {
        const n = 1 + Math.floor(rand() * 7);
        out.push(...s.pushParts(Buffer.from(bytes.subarray(at, at + n))));
        at += n;
        if (rand() < 0.5) {
          const q = s.flushQuiet();
          if (q.length) quietShown++;
          out.push(q);
        }
      }
      out.push(s.flush());
      const got = text(out);
      for (const v of secrets) expect(got.includes(v), `round ${round}: ${JSON.stringify(got)}`).toBe(false);
      expect(got, `round ${round}`).toBe(expected);
    }
    expect(quietShown).toBeGreaterThan(100);
  });
});
