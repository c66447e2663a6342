// Project text on its way to a person: a review shows every hidden character, step output reaches the
// terminal with colours at most (each escape class below would act on the user's terminal if printed raw).
import { describe, expect, it } from 'vitest';
import { sanitizeForTerminal, visibleText } from '../../main/core/boundary/text';

const ESC = '\x1b';
const BEL = '\x07';
const ST = `${ESC}\\`;
const raw = (s: string) => /[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(s);

describe('visibleText', () => {
  it('shows bidi controls, zero-width characters and controls as code points', () => {
    expect(visibleText('rm -rf /\u202e;txt.exe\u2069')).toBe('rm -rf /⟨U+202E⟩;txt.exe⟨U+2069⟩');
    for (const c of ['\u202a', '\u202d', '\u2066', '\u2068', '\u200e', '\u200f', '\u061c'])
      expect(visibleText(`a${c}b`)).toMatch(/^a⟨U\+[0-9A-F]{4}⟩b$/);
    for (const c of ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff'])
      expect(visibleText(`a${c}b`)).toMatch(/^a⟨U\+[0-9A-F]{4}⟩b$/);
    expect(visibleText(`${ESC}[2Jx\ry\bz\x9b`)).toBe('⟨U+001B⟩[2Jx⟨U+000D⟩y⟨U+0008⟩z⟨U+009B⟩');
  });

  it('keeps tabs, line breaks (unless asked) and ordinary Unicode', () => {
    expect(visibleText('échec\tok\nnext ✅ 日本')).toBe('échec\tok\nnext ✅ 日本');
    expect(visibleText('a\nb', { newlines: false })).toBe('a⟨U+000A⟩b');
  });
});

describe('sanitizeForTerminal', () => {
  const colour = { keepColour: true };
  const plain = { keepColour: false };

  it('keeps colours only when asked', () => {
    const s = `${ESC}[31mred${ESC}[0m ${ESC}[1;38;5;208mbold${ESC}[m`;
    expect(sanitizeForTerminal(s, colour)).toBe(`${s}${ESC}[0m`); // ended with its line (below)
    expect(sanitizeForTerminal(s, plain)).toBe('red bold');
  });

  it('a kept colour never outlives its line: ESC[8m from a step cannot hide the lines after it', () => {
    expect(sanitizeForTerminal(`esc:${ESC}[8mHIDDEN\nnext`, colour)).toBe(
      `esc:${ESC}[8mHIDDEN${ESC}[0m\nnext${ESC}[0m`,
    );
    expect(sanitizeForTerminal(`${ESC}[8mHIDDEN\n`, colour)).toBe(`${ESC}[8mHIDDEN${ESC}[0m\n`);
    expect(sanitizeForTerminal(`${ESC}[8mHIDDEN\n`, plain)).toBe('HIDDEN\n');
  });

  it('drops OSC 52 clipboard writes and OSC 0/2 titles, ended by BEL, ST or nothing', () => {
    expect(sanitizeForTerminal(`a${ESC}]52;c;dG91Y2ggUFdORUQ=${BEL}b`, colour)).toBe('ab');
    expect(sanitizeForTerminal(`a${ESC}]0;pwned${ST}b`, colour)).toBe('ab');
    expect(sanitizeForTerminal(`a${ESC}]2;pwned${BEL}b`, colour)).toBe('ab');
    expect(sanitizeForTerminal(`a${ESC}]52;c;unterminated`, colour)).toBe('a');
    expect(sanitizeForTerminal(`a\x9d0;eight-bit\x9cb`, colour)).toBe('ab');
    // An unterminated one hides no more than the rest of its line.
    expect(sanitizeForTerminal(`a${ESC}]0;x\nnext line`, colour)).toBe('a\nnext line');
  });

  it('keeps the text of an OSC 8 link, not the link', () => {
    expect(sanitizeForTerminal(`${ESC}]8;;https://evil.example${ST}docs${ESC}]8;;${ST}`, colour)).toBe(
      'docs',
    );
  });

  it('drops screen clearing, cursor moves and other CSI, 7- and 8-bit', () => {
    for (const seq of [
      `${ESC}[2J`,
      `${ESC}[H`,
      `${ESC}[3A`,
      `${ESC}[?1049h`,
      `${ESC}[6n`,
      '\x9b2J',
      `${ESC}[>c`,
    ])
      expect(sanitizeForTerminal(`a${seq}b`, colour)).toBe('ab');
  });

  it('drops DCS, SOS, PM and APC strings, two-byte escapes and a lone ESC', () => {
    expect(sanitizeForTerminal(`a${ESC}P+q544e${ST}b`, colour)).toBe('ab');
    expect(sanitizeForTerminal(`a\x90q#0;2;0;0;0\x9cb`, colour)).toBe('ab');
    expect(sanitizeForTerminal(`a${ESC}_apc${ST}b${ESC}^pm${ST}c${ESC}Xsos${ST}d`, colour)).toBe('abcd');
    expect(sanitizeForTerminal(`a${ESC}cb${ESC}(0c${ESC}7d`, colour)).toBe('abcd');
    expect(sanitizeForTerminal(`a${ESC}`, colour)).toBe('a');
  });

  it('turns a carriage return that would overwrite the line into a line break; CRLF is one break', () => {
    expect(sanitizeForTerminal('safe text\rtouch PWNED', plain)).toBe('safe text\ntouch PWNED');
    expect(sanitizeForTerminal('a\r\nb\r\r\nc', plain)).toBe('a\nb\nc');
  });

  it('shows the other C0 and C1 controls (bell, backspace, form feed, NEL)', () => {
    expect(sanitizeForTerminal(`a${BEL}b\b\bc\fd\x85e\x7f`, colour)).toBe(
      'a⟨U+0007⟩b⟨U+0008⟩⟨U+0008⟩c⟨U+000C⟩d⟨U+0085⟩e⟨U+007F⟩',
    );
  });

  it('shows bidi embeddings, overrides, isolates and marks (Trojan Source), keeps emoji joiners', () => {
    expect(sanitizeForTerminal('ok \u202eexe.txt\u202c done', colour)).toBe(
      'ok ⟨U+202E⟩exe.txt⟨U+202C⟩ done',
    );
    for (const c of [
      '\u202a',
      '\u202b',
      '\u202d',
      '\u2066',
      '\u2067',
      '\u2068',
      '\u2069',
      '\u200e',
      '\u200f',
      '\u061c',
    ])
      expect(sanitizeForTerminal(`a${c}b`, plain)).toBe(
        `a⟨U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}⟩b`,
      );
    expect(sanitizeForTerminal('\u2066\u202e', plain)).toBe('⟨U+2066⟩⟨U+202E⟩');
    expect(sanitizeForTerminal('family 👨\u200d👩\u200d👧 مرحبا שלום', plain)).toBe(
      'family 👨\u200d👩\u200d👧 مرحبا שלום',
    );
  });

  it('leaves nothing raw in a hostile mix, and ordinary text untouched', () => {
    const hostile = `${ESC}]52;c;eA==${BEL}${ESC}]0;t${BEL}${ESC}[2J${ESC}]8;;http://x${BEL}l${ESC}]8;;${BEL}\rX${ESC}`;
    const out = sanitizeForTerminal(hostile, plain);
    expect(raw(out)).toBe(false);
    expect(out).toBe('l\nX');
    expect(sanitizeForTerminal('plain ✅ text\twith tab\n', colour)).toBe('plain ✅ text\twith tab\n');
  });
});
