/**
 * Changed-file names in `status` and a gate's reason are the repository's: a name holding an escape sequence,
 * a bidi override or a line break is shown, never obeyed by the terminal.
 */
import { expect, it } from 'vitest';
import { listFiles } from '../../main/core/workflow/fingerprint';

it('shows the escape, bidi and line-break characters of a file name as code points', () => {
  const shown = listFiles([
    'x\u001b]52;c;SGVsbG8=\u0007\u001b[2J.txt',
    'y\u202egnp.js',
    'a\nb.py',
    'plain.py',
  ]);
  expect(shown).toBe(
    'x⟨U+001B⟩]52;c;SGVsbG8=⟨U+0007⟩⟨U+001B⟩[2J.txt, y⟨U+202E⟩gnp.js, a⟨U+000A⟩b.py +1 more',
  );
  expect(shown).not.toMatch(/[\u0000-\u001f\u202e]/);
});
