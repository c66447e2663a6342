/** Shared by the `offload init` unit tests: throw-away repositories, a machine with chosen tools, init + load. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { loadConfig } from '../../main/core/config';
import { initConfig, type Toolchain } from '../../main/core/init';
import { CONFIG_SECTIONS, STEP_KINDS } from '../../main/core/registry';

/** A factory of repositories (files by relative path) under one temp folder, removed after the file's tests. */
export function repositories(prefix: string): {
  project: (files: Record<string, string>) => string;
  root: string;
} {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  let counter = 0;
  const project = (files: Record<string, string>) => {
    const dir = path.join(root, `proj${++counter}`);
    for (const [rel, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), content);
    }
    return dir;
  };
  return { project, root };
}

/** A machine on which exactly `installed` are on PATH (and no probe succeeds). */
export const machine = (installed: string[]): Toolchain => ({
  which: (name) => (installed.includes(name) ? `/usr/bin/${name}` : undefined),
  succeeds: () => false,
});

/** Runs init in `dir` on such a machine, writes offload.yml and loads it as `validate` would. */
export function initAndLoad(dir: string, installed: string[] = []) {
  const init = initConfig(dir, { tools: machine(installed), schemaFile: null });
  const { text } = init;
  // What the detectors found, as text (the to-dos of generated TODO steps are tested on their own).
  const findings = init.findings.filter((f) => !f.step).map((f) => f.text);
  const file = path.join(dir, 'offload.yml');
  fs.writeFileSync(file, text);
  const config = loadConfig(file, { stepKinds: STEP_KINDS, sections: CONFIG_SECTIONS });
  return { text, findings, config };
}
