/**
 * A name in offload.yml holding a control or bidi character (Trojan Source: U+202E shows text in another order)
 * is refused by `offload validate` in words — what is not allowed and which character, where — never as the
 * schema's raw regex. Written raw in the file, the problem points at the character itself (an editor may not
 * show it); written as an escape, at the value, saying which character of it.
 */
import { describe, expect, it } from 'vitest';
import { makeProject, runCli } from '../helpers/cli';

const yaml = (name: string, project = 'demo') => `name: ${project}
phases:
  local: { steps: [{ name: ${name}, run: "true" }] }
`;

describe('offload validate: a name with a control or bidi character', () => {
  it('written raw: file:line:column of the character, said in words', async () => {
    const dir = makeProject(yaml('Bu\u202eild'));
    const r = await runCli(['validate'], { cwd: dir, untrusted: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'offload.yml:3:30: phases.local.steps[0].name: must not contain control, bidirectional or invisible characters (found U+202E at column 30)',
    );
    expect(r.stdout + r.stderr).not.toMatch(/matching \/|\\u0000/);
  });

  it('written as an escape: the value, and which character of it', async () => {
    const dir = makeProject(yaml('"Bu\\u202Eild"', '"de\\u0007mo"'));
    const r = await runCli(['validate'], { cwd: dir, untrusted: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'offload.yml:1:7: name: must not contain control, bidirectional or invisible characters (found U+0007, character 3 of the value',
    );
    expect(r.stderr).toContain(
      'offload.yml:3:28: phases.local.steps[0].name: must not contain control, bidirectional or invisible characters (found U+202E, character 3 of the value',
    );
    expect(r.stdout + r.stderr).not.toMatch(/matching \/|\\u0000/);
  });

  it('a zero-width space makes two names read the same: refused too; a zero-width joiner (emoji) is not', async () => {
    const hidden = await runCli(['validate'], { cwd: makeProject(yaml('Dep\u200bloy')), untrusted: true });
    expect(hidden.code).toBe(2);
    expect(hidden.stderr).toContain('(found U+200B at column 31)');
    const emoji = await runCli(['validate'], {
      cwd: makeProject(yaml('"Team \u{1F468}\u200D\u{1F469} deploy"')),
      untrusted: true,
    });
    expect(emoji.code, emoji.stderr).toBe(0);
  });
});
