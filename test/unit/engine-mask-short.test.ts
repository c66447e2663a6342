// ::add-mask:: values shorter than MIN_MASK_LENGTH are refused (said once, by length), never masked; longer
// ones are; a multi-line secret's short lines are not masked on their own.
import { describe, expect, it } from 'vitest';
import { Masker, MaskingStream, MIN_MASK_LENGTH } from '../../main/core/workflow/mask';

describe('short masks', () => {
  it('::add-mask::e is refused once and blanks nothing; a 4-character value is masked', () => {
    const m = new Masker();
    const refused: number[] = [];
    m.onRefused((n) => refused.push(n));
    const s = new MaskingStream(m);
    const out = Buffer.concat([
      s.push(Buffer.from('::add-mask::e\nhello there\n::add-mask::ab\n::add-mask::k3y9\nthe k3y9 here\n')),
      s.flush(),
    ]).toString('utf8');
    expect(out).toBe('::add-mask::***\nhello there\n::add-mask::***\n::add-mask::***\nthe *** here\n');
    expect(refused).toEqual([1, 2]);
    expect(MIN_MASK_LENGTH).toBe(4);
  });

  it('a multi-line secret is masked whole, and only its lines of 4 characters or more on their own', () => {
    const m = new Masker();
    m.add('long-line-one\nx\nab');
    expect(m.mask('long-line-one\nx\nab | x and ab stay | long-line-one')).toBe('*** | x and ab stay | ***');
  });
});

describe('a secret as it appears in a URL', () => {
  it('is masked percent-encoded and form-encoded too (an http step logging its request URL)', () => {
    const m = new Masker();
    m.add('p@ss/w0rd+x y');
    expect(m.mask('GET https://api.example/q?token=p%40ss%2Fw0rd%2Bx%20y&a=1')).toBe(
      'GET https://api.example/q?token=***&a=1',
    );
    expect(m.mask('body: token=p%40ss%2Fw0rd%2Bx+y')).toBe('body: token=***');
    expect(m.mask('plain p@ss/w0rd+x y')).toBe('plain ***');
  });
});
