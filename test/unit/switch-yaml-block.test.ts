/**
 * A YAML value written as a block scalar (`|`, `|-`, `|+`, `>`, `>-` …) is replaced by its own text only: the
 * yaml package's range of a block scalar runs on over the line break(s) after its last line, and those (with a
 * comment on the header line) stay, so the keys that follow keep their own lines and the file stays valid YAML.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { editValues, readValue, setValues } from '../../main/core/switch/edit';

describe('switch: YAML block scalars', () => {
  it('|, >- and a plain value in one file: each key stays on its line', () => {
    const before = 'a: plain\nd: |\n  block\ne: >-\n  folded\nf: 12\n';
    const after = setValues(before, 'yaml', { d: '- dash', e: '@at', f: '13' });
    expect(after).toBe('a: plain\nd: "- dash"\ne: "@at"\nf: "13"\n');
    expect(parse(after)).toEqual({ a: 'plain', d: '- dash', e: '@at', f: '13' });
    // and back: the values read as the original ones
    const back = setValues(after, 'yaml', { d: 'block\n', e: 'folded', f: '12' });
    expect(back).toBe('a: plain\nd: "block\\n"\ne: "folded"\nf: "12"\n'); // the quotes stay
    expect(parse(back)).toEqual({ ...parse(before), f: '12' });
  });

  it.each([
    ['keep chomping with blank lines after', 'd: |+\n  keep\n\n\ne: 1\n', 'd: x\n\n\ne: 1\n'],
    ['strip chomping, blank line and comment after', 'd: |-\n  strip\n\n# c\ne: 1\n', 'd: x\n\n# c\ne: 1\n'],
    ['the last line, no line break at the end', 'a: 1\nd: |\n  last', 'a: 1\nd: x'],
    ['a comment line after', 'd: >\n  x\n  y\n# comment\ne: 1\n', 'd: x\n# comment\ne: 1\n'],
    ['a comment on the header line', 'd: |-  # note\n  x\ne: 1\n', 'd: x  # note\ne: 1\n'],
    ['an indentation indicator', 'd: |2\n   x\ne: 1\n', 'd: x\ne: 1\n'],
    ['trailing spaces on the last line', 'd: |\n  x  \ne: 1\n', 'd: x\ne: 1\n'],
    ['no content at all', 'd: |\ne: 1\n', 'd: x\ne: 1\n'],
    ['CRLF line endings', 'd: |\r\n  x\r\n  y\r\ne: 1\r\n', 'd: x\r\ne: 1\r\n'],
  ])('%s', (_, before, expected) => {
    const after = setValues(before, 'yaml', { d: 'x' });
    expect(after).toBe(expected);
    expect(readValue(after, 'yaml', 'd')).toBe('x');
    expect(readValue(after, 'yaml', 'e')).toBe(readValue(before, 'yaml', 'e'));
  });

  it('a block scalar inside a nested mapping, followed by a sibling and a top-level key', () => {
    const before = 'llm:\n  prompt: |\n    You are local.\n    Be brief.\n  url: http://l\nother: 1\n';
    const { before: was, after } = editValues(before, 'yaml', {
      'llm.prompt': 'You are on AWS.\nBe brief.\n',
    });
    expect(was).toEqual({ 'llm.prompt': 'You are local.\nBe brief.\n' });
    expect(after).toBe('llm:\n  prompt: "You are on AWS.\\nBe brief.\\n"\n  url: http://l\nother: 1\n');
    expect(parse(after)).toEqual({
      llm: { prompt: 'You are on AWS.\nBe brief.\n', url: 'http://l' },
      other: 1,
    });
  });

  it('a key added after a block scalar that ends the mapping goes on its own line', () => {
    const before = 'llm:\n  prompt: |\n    hi\nother: 1\n';
    const after = setValues(before, 'yaml', { 'llm.prompt': 'x', 'llm.url': 'http://a' });
    expect(after).toBe('llm:\n  prompt: x\n  url: http://a\nother: 1\n');
  });
});

describe('switch: a YAML file that does not parse', () => {
  it('is refused at its line and column, in the words offload.yml problems use (no " at line N, column M:")', () => {
    expect(() => setValues('a: 1\nb:\n  - x\n  c: 2\n', 'yaml', { a: '2' }, 'dev.yaml')).toThrow(
      /^dev\.yaml:4:1: not valid YAML \([^)]*[^:]\); nothing was changed$/,
    );
    expect(() => setValues('a: 1\na: 2\n', 'yaml', { a: '3' }, 'dev.yaml')).toThrow(
      /^dev\.yaml:2:1: not valid YAML \(.*\); nothing was changed$/,
    );
  });
});
