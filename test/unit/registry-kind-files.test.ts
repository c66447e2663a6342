// The registry's doc is the newcomer's map from a step kind to its file: every registered kind is listed
// there, and the file listed for it is the one that defines it (key: '<kind>').
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STEP_KINDS } from '../../main/core/registry';

const core = path.resolve(__dirname, '../../main/core');
const doc = fs.readFileSync(path.join(core, 'registry.ts'), 'utf8').split('*/')[0]!;
const listed = new Map(
  [...doc.matchAll(/^ \*\s+([a-z0-9-]+)\s+([\w/.-]+\.ts)$/gm)].map((m) => [m[1]!, m[2]!] as const),
);

describe('registry kind -> file map', () => {
  it('lists every registered step kind, and nothing else', () => {
    expect([...listed.keys()].sort()).toEqual(STEP_KINDS.map((k) => k.key).sort());
  });

  it.each([...listed])('%s is defined in %s, a file named for it', (kind, file) => {
    const text = fs.readFileSync(path.join(core, file), 'utf8');
    expect(text).toContain(`key: '${kind}'`);
    expect(path.basename(file, '.ts')).toBe(kind);
  });
});
