/**
 * Offload's own line naming what a step runs (`[offload] Build: run: …`) quotes offload.yml: in a real colour
 * terminal an escape sequence there is shown as `⟨U+001B⟩`, as the trust review shows it, never obeyed (ESC[8m
 * would hide the rest of the command while it runs).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, makeProject, tempDataDir } from '../helpers/cli';

const DRIVER = path.join(__dirname, '..', 'helpers', 'pty-drive.py');
const hasPython = spawnSync('python3', ['-c', 'import pty'], { stdio: 'ignore' }).status === 0;

describe.runIf(process.platform === 'linux' && hasPython)('the step echo in a colour terminal', () => {
  it('shows an escape sequence in the command instead of sending it', () => {
    const data = tempDataDir();
    const dir = makeProject(`name: echo
phases:
  local: { steps: [{ name: Build, run: "true shown \\e[8m concealed" }] }
`);
    const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm-256color', FORCE_COLOR: '1' };
    delete env.NO_COLOR;
    delete env.CI;
    expect(
      spawnSync(process.execPath, [CLI, 'trust', '--yes', '--data-dir', data], { cwd: dir, env }).status,
    ).toBe(0);
    const r = spawnSync(
      'python3',
      [DRIVER, '20', '--', process.execPath, CLI, 'run', 'local', '--data-dir', data],
      {
        cwd: dir,
        encoding: 'utf8',
        env,
      },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('\x1b['); // a colour terminal: Offload's own colours are there
    expect(r.stdout).toContain('true shown ⟨U+001B⟩[8m concealed');
    expect(r.stdout).not.toContain('\x1b[8m');
  });
});
