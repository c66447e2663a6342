/**
 * git's time limit is Node's: a git still running when Offload exits (blocked on a FIFO that no check saw) is
 * killed with it, never left behind. A real Offload-side module (platform/git, bundled) in a real child
 * process that exits while its git waits on a FIFO.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const roots: string[] = [];
afterAll(() => roots.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** pids of live processes whose working folder is `dir`. */
const processesIn = (dir: string): number[] =>
  fs
    .readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((n) => {
      try {
        return fs.readlinkSync(`/proc/${n}/cwd`) === dir;
      } catch {
        return false;
      }
    })
    .map(Number);

describe.runIf(process.platform === 'linux')('git ends with Offload', () => {
  it('a git blocked on a FIFO is killed when the process that ran it exits', () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'offload-git-exit-')));
    roots.push(dir);
    execFileSync('git', ['init', '-q'], { cwd: dir });
    execFileSync('mkfifo', [path.join(dir, '.git', 'blocks')]);
    execFileSync('git', ['config', 'include.path', 'blocks'], { cwd: dir });
    const script = path.join(dir, 'run-git.cjs');
    buildSync({
      stdin: {
        contents: `import { runGit } from './main/core/platform/git';\nvoid runGit(${JSON.stringify(dir)}, ['rev-parse', 'HEAD']);\nsetTimeout(() => process.exit(0), 500);\n`,
        resolveDir: path.resolve(__dirname, '../..'),
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: script,
      logLevel: 'silent',
    });
    expect(spawnSync(process.execPath, [script], { timeout: 10_000 }).status).toBe(0);
    expect(processesIn(dir)).toEqual([]);
  });
});
