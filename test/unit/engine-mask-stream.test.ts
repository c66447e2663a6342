// MaskingStream under random input: texts with known secrets, `::add-mask::` lines (and look-alikes that are not
// such lines), multi-byte characters, long lines and CRLF, fed in random chunk sizes (cutting anywhere, also
// inside a UTF-8 character). Every returned piece must decode on its own, no secret may leak, and the whole
// output must be the input with each secret replaced by *** and each ::add-mask:: line read `::add-mask::***`.
import { describe, expect, it } from 'vitest';
import { Masker, MaskingStream } from '../../main/core/workflow/mask';

/** A small seeded PRNG (mulberry32), so a failing case can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Filler never holds a secret's characters; each secret starts with its own letter (A–L) that appears
// nowhere else, so no secret occurs by accident, inside another, or across a boundary.
const FILLER = [
  ...'abcdefghijklmnopqrstuvwxyz     .,-:/=0123456789',
  'é',
  'ü',
  'ß',
  '中',
  '文',
  '😀',
  '🎉',
  '\t',
];
const FIRSTS = [...'ABCDEFGHIJKL'];
const BODY = [...'QRSTUVWXYZ', 'Ж', 'Ω', 'ñ', '🔑', '世'];

interface Case {
  input: string;
  expected: string;
  known: string[];
  declared: string[];
}

function makeCase(rand: () => number, maxPending: number): Case {
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const firsts = [...FIRSTS].sort(() => rand() - 0.5);
  const secret = () =>
    (firsts.pop() as string) + Array.from({ length: 3 + int(8) }, () => pick(BODY)).join(''); // MIN_MASK_LENGTH and up
  const filler = (n: number) => Array.from({ length: n }, () => pick(FILLER)).join('');

  const known = Array.from({ length: 1 + int(3) }, secret);
  const declared: string[] = [];
  let input = '';
  let expected = '';
  const lines = 1 + int(30);
  for (let l = 0; l < lines; l++) {
    const last = l === lines - 1;
    const eol = last && rand() < 0.5 ? '' : rand() < 0.15 ? '\r\n' : '\n';
    const r = rand();
    if (r < 0.15 && firsts.length) {
      // An ::add-mask:: line (short enough to be held whole), possibly indented: its value is hidden from here on.
      const v = secret();
      declared.push(v);
      input += `${pick(['', ' ', '  ', '\t'])}::add-mask::${v}${eol}`;
      expected += `::add-mask::***${eol ? '\n' : ''}`;
      continue;
    }
    let text = r < 0.22 ? `echo ::add-mask::${filler(int(10))}` : ''; // not an add-mask line: text before it
    let want = text;
    const long = rand() < 0.05;
    const pieces = long ? 20 + int(60) : int(6);
    for (let p = 0; p < pieces; p++) {
      const f = filler(1 + int(long ? 200 : 30));
      text += f;
      want += f;
      if (rand() < 0.5) {
        const s = pick([...known, ...declared]);
        text += s;
        want += '***';
      }
    }
    input += text + eol;
    expected += want + eol;
  }
  // The add-mask lines must be short enough to be held whole (the stream's documented limit).
  const addMask = input.split('\n').filter((x) => x.trimStart().startsWith('::add-mask::'));
  for (const x of addMask) expect(Buffer.byteLength(x)).toBeLessThanOrEqual(maxPending);
  return { input, expected, known, declared };
}

/** Feeds `input` in random chunk sizes (mostly small, sometimes large); returns every piece the stream gave. */
function feed(stream: MaskingStream, input: Buffer, rand: () => number): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < input.length) {
    const r = rand();
    const n =
      r < 0.4
        ? 1 + Math.floor(rand() * 4)
        : r < 0.85
          ? 1 + Math.floor(rand() * 64)
          : 1 + Math.floor(rand() * 8192);
    out.push(stream.push(Buffer.from(input.subarray(at, at + n))));
    at += n;
  }
  out.push(stream.flush());
  return out;
}

describe('MaskingStream, randomised', () => {
  it('never leaks a secret, never cuts a UTF-8 character, and masks exactly the secrets', () => {
    const base = 0x5eed;
    let cases = 0;
    let addMaskLines = 0;
    let splitChars = 0;
    for (let i = 0; i < 400; i++) {
      const seed = base + i;
      const rand = prng(seed);
      const maxPending = [64, 256, 4096, 64 * 1024][i % 4] as number;
      const c = makeCase(rand, maxPending);
      const masker = new Masker();
      for (const s of c.known) masker.add(s);
      const stream = new MaskingStream(masker, maxPending);
      const input = Buffer.from(c.input, 'utf8');
      const pieces = feed(stream, input, rand);

      for (const [n, piece] of pieces.entries()) {
        const text = piece.toString('utf8');
        // Decodes on its own: re-encoding gives the same bytes (a cut character would decode to U+FFFD).
        expect(
          Buffer.from(text, 'utf8').equals(piece),
          `seed ${seed}: piece ${n} cuts a UTF-8 character`,
        ).toBe(true);
        expect(text, `seed ${seed}: piece ${n}`).not.toContain('\uFFFD');
      }
      const out = Buffer.concat(pieces).toString('utf8');
      for (const s of [...c.known, ...c.declared]) {
        expect(out.includes(s), `seed ${seed}: secret ${JSON.stringify(s)} leaked`).toBe(false);
      }
      expect(out, `seed ${seed} (maxPending ${maxPending})`).toBe(c.expected);
      // Each ::add-mask:: value was learned by the masker.
      for (const d of c.declared) expect(masker.mask(`x${d}x`), `seed ${seed}`).toBe('x***x');
      cases++;
      addMaskLines += c.declared.length;
      splitChars += pieces.length;
    }
    expect(cases).toBe(400);
    // The generator really produced the cases the property is about.
    expect(addMaskLines).toBeGreaterThan(100);
    expect(splitChars).toBeGreaterThan(1000);
  });

  it('a secret fed one byte at a time is never emitted, not even in part across pieces', () => {
    const masker = new Masker();
    masker.add('pässwörd-🔑-42');
    const stream = new MaskingStream(masker, 64);
    const input = Buffer.from(
      `before pässwörd-🔑-42 after\n${'x'.repeat(100)}pässwörd-🔑-42${'y'.repeat(100)}`,
      'utf8',
    );
    const pieces: Buffer[] = [];
    for (let i = 0; i < input.length; i++) pieces.push(stream.push(input.subarray(i, i + 1)));
    pieces.push(stream.flush());
    expect(pieces.filter((p) => p.length).length).toBeGreaterThan(3); // long lines go out before their end
    expect(Buffer.concat(pieces).toString('utf8')).toBe(
      `before *** after\n${'x'.repeat(100)}***${'y'.repeat(100)}`,
    );
  });
});

describe('MaskingStream fast path (no secrets known yet)', () => {
  const run = (chunks: string[]) => {
    const m = new Masker();
    const s = new MaskingStream(m);
    const out: Buffer[] = [];
    for (const c of chunks) out.push(...s.pushParts(Buffer.from(c)));
    out.push(s.flush());
    return Buffer.concat(out).toString('utf8');
  };

  it('an ::add-mask:: line split across chunks is still learned before its value is written', () => {
    expect(run(['hello\n::add-', 'mask::s3cret\nuse s3cret now\n'])).toBe(
      'hello\n::add-mask::***\nuse *** now\n',
    );
    expect(run(['a\n  ::add-mask::', 'tok9\nb tok9\n'])).toBe('a\n::add-mask::***\nb ***\n');
  });

  it('whole lines pass through uncopied, partial lines are held until their newline', () => {
    const m = new Masker();
    const s = new MaskingStream(m);
    const chunk = Buffer.from('line 1\nline 2\npart');
    const parts = s.pushParts(chunk);
    expect(parts).toHaveLength(1);
    expect(parts[0]!.buffer).toBe(chunk.buffer); // a view of the chunk, not a copy
    expect(parts[0]!.toString()).toBe('line 1\nline 2\n');
    expect(Buffer.concat(s.pushParts(Buffer.from('ial\n'))).toString()).toBe('partial\n');
  });
});
