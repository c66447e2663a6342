/**
 * The CLI defines only the command it runs (main/cli/index.ts): each registrar's list of top-level commands
 * must be exactly what it defines, or a command would be missing when named.
 */
import { Command } from 'commander';
import { expect, it } from 'vitest';
import { REGISTRARS } from '../../main/cli/index';
import { makeContext } from '../../main/cli/context';

const defined = async (load: (typeof REGISTRARS)[number][1]) => {
  const program = new Command('offload');
  (await load())(program, makeContext(program, {}, process.cwd()));
  return program.commands.map((c) => c.name());
};

it('each registrar names exactly the top-level commands it defines, and no command twice', async () => {
  const all: string[] = [];
  for (const [names, load] of REGISTRARS) {
    expect(await defined(load)).toEqual(names);
    all.push(...names);
  }
  expect(new Set(all).size).toBe(all.length);
  expect(all).toEqual(
    expect.arrayContaining(['run', 'status', 'watch', 'switch', 'unlock', 'models', 'aws']),
  );
});
