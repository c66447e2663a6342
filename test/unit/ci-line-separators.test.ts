/**
 * A project name is written into every generated CI file's first comment line. YAML 1.1 parsers (GitLab's
 * Psych, PyYAML, CodeBuild's) end a line at U+2028/U+2029 as at a newline, so a name holding one would put
 * keys of its own (a job) into the file behind what reads as a comment: such a name is a config error.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../main/core/config';
import { CONFIG_SECTIONS, STEP_KINDS } from '../../main/core/registry';

const OPTS = { stepKinds: STEP_KINDS, sections: CONFIG_SECTIONS };
const withName = (name: string) =>
  `name: ${JSON.stringify(name)}\nphases:\n  local: { steps: [ { name: t, run: "true" } ] }\n`;

describe('project and step names hold one line in every YAML reader', () => {
  it('refuses U+2028, U+2029 and bidi overrides in the name, with file:line:column', () => {
    for (const ch of ['\u2028', '\u2029', '\u202e', '\u2066']) {
      expect(() => parseConfig(withName(`x${ch}evil: { script: [id] }`), '/p/offload.yml', OPTS)).toThrow(
        // At the character itself (column 9, after `name: "x`), said in words.
        /offload\.yml:1:9: name: must not contain control, bidirectional or invisible characters \(found U\+20\w\w at column 9\)/,
      );
    }
  });

  it('refuses them in a step name too, and keeps ordinary names (accents, emoji) valid', () => {
    const step = `name: p\nphases:\n  local: { steps: [ { name: "a\\u2028b", run: "true" } ] }\n`;
    expect(() => parseConfig(step, '/p/offload.yml', OPTS)).toThrow(/offload\.yml:3:/);
    expect(parseConfig(withName('Équipe 🚀 api — v2'), '/p/offload.yml', OPTS).name).toBe(
      'Équipe 🚀 api — v2',
    );
  });
});
