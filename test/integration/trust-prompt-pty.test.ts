/**
 * The trust question as a user meets it: in a real pseudo-terminal (python3's pty), `offload trust` and
 * `run`'s question answered `y` trust the project and go on; `n` and Ctrl-D decline and run nothing.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, makeProject, tempDataDir } from '../helpers/cli';

const DRIVER = path.join(__dirname, '..', 'helpers', 'pty-drive.py');
const hasPython = spawnSync('python3', ['-c', 'import pty'], { stdio: 'ignore' }).status === 0;

/** Runs the CLI in a pseudo-terminal, typing each answer once its prompt has appeared. */
function inTerminal(args: string[], cwd: string, answers: [RegExp, string][]) {
  const r = spawnSync(
    'python3',
    [DRIVER, '20', ...answers.flatMap(([re, a]) => [re.source, a]), '--', process.execPath, CLI, ...args],
    { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } },
  );
  return { code: r.status, out: r.stdout };
}

describe.runIf(process.platform === 'linux' && hasPython)('trust prompt in a real terminal', () => {
  const project = (marker: string) =>
    makeProject(`name: prompt
phases:
  local: { steps: [{ name: Build, run: 'echo ran >> "${marker}"' }] }
`);

  it('offload trust answered y trusts the project; run then runs without asking', () => {
    const data = tempDataDir();
    const marker = path.join(data, 'marker');
    const dir = project(marker);
    const t = inTerminal(['trust', '--data-dir', data], dir, [[/Trust this project\? \[y\/N\]/, 'y']]);
    expect(t.out).toMatch(/local › Build/);
    expect(t.out).toMatch(/trusted /);
    expect(t.code).toBe(0);
    const run = inTerminal(['run', 'local', '--data-dir', data], dir, []);
    expect(run.code).toBe(0);
    expect(fs.readFileSync(marker, 'utf8')).toBe('ran\n');
  });

  it("run's question answered y trusts and runs; n declines with exit 2 and runs nothing", () => {
    const data = tempDataDir();
    const marker = path.join(data, 'marker');
    const dir = project(marker);
    const no = inTerminal(['run', 'local', '--data-dir', data], dir, [[/go on\? \[y\/N\]/, 'n']]);
    expect(no.out).toMatch(/not trusted; nothing was run/);
    expect(no.code).toBe(2);
    expect(fs.existsSync(marker)).toBe(false);
    const yes = inTerminal(['run', 'local', '--data-dir', data], dir, [[/go on\? \[y\/N\]/, 'y']]);
    expect(yes.code).toBe(0);
    expect(fs.readFileSync(marker, 'utf8')).toBe('ran\n');
  });

  it('Ctrl-C at either question cancels: exit 130, nothing trusted, nothing run', () => {
    const data = tempDataDir();
    const marker = path.join(data, 'marker');
    const dir = project(marker);
    const t = inTerminal(['trust', '--data-dir', data], dir, [[/Trust this project\? \[y\/N\]/, '\u0003']]);
    expect(t.out).toMatch(/cancelled; nothing was run/);
    expect(t.code).toBe(130);
    const run = inTerminal(['run', 'local', '--data-dir', data], dir, [[/go on\? \[y\/N\]/, '\u0003']]);
    expect(run.code).toBe(130);
    expect(fs.existsSync(marker)).toBe(false);
    expect(fs.existsSync(path.join(data, 'trust.json'))).toBe(false);
  });
});
