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

/** A repository whose config includes a FIFO: git blocks opening it. */
function fifoRepo(): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'offload-git-exit-')));
  roots.push(dir);
  execFileSync('git', ['init', '-q'], { cwd: dir });
  execFileSync('mkfifo', [path.join(dir, '.git', 'blocks')]);
  execFileSync('git', ['config', 'include.path', 'blocks'], { cwd: dir });
  return dir;
}

/** platform/git's runGit on `dir`, bundled into a script with `then` after it (TypeScript). */
function gitScript(dir: string, then: string): string {
  const script = path.join(dir, 'run-git.cjs');
  buildSync({
    stdin: {
      contents: `import { runGit } from './main/core/platform/git';\nconst asked = runGit(${JSON.stringify(dir)}, ['rev-parse', 'HEAD']);\n${then}\n`,
      resolveDir: path.resolve(__dirname, '../..'),
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: script,
    logLevel: 'silent',
  });
  return script;
}

describe.runIf(process.platform === 'linux')('git ends with Offload', () => {
  it('a git blocked on a FIFO is killed when the process that ran it exits', () => {
    const dir = fifoRepo();
    const script = gitScript(dir, 'void asked;\nsetTimeout(() => process.exit(0), 500);');
    expect(spawnSync(process.execPath, [script], { timeout: 10_000 }).status).toBe(0);
    expect(processesIn(dir)).toEqual([]);
  });

  it(
    '…and when a signal ends it (`timeout`, a closed terminal), which still ends it',
    { timeout: 15_000 },
    () => {
      const dir = fifoRepo();
      // a writer holds the FIFO open (never writing): git's open succeeds and its read blocks, which the check
      // for a wait to open a FIFO does not see; the signal comes after git's first second, as a user's would
      const writer = fs.openSync(path.join(dir, '.git', 'blocks'), 'r+');
      try {
        for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
          const end = `setTimeout(() => process.kill(process.pid, '${signal}'), 1500);`;
          const r = spawnSync(process.execPath, [gitScript(dir, `void asked;\n${end}`)], { timeout: 10_000 });
          expect(r.signal).toBe(signal);
          expect(processesIn(dir)).toEqual([]);
        }
      } finally {
        fs.closeSync(writer);
      }
    },
  );

  it('a git seen waiting on a FIFO is stopped at once, not at its 20 s limit', { timeout: 10_000 }, () => {
    const dir = fifoRepo();
    const script = gitScript(dir, 'void asked.then((r) => console.log(JSON.stringify(r)));');
    const r = spawnSync(process.execPath, [script], { timeout: 8_000, encoding: 'utf8' });
    expect(JSON.parse(r.stdout)).toMatchObject({ code: -1, timedOut: true, blockedOnFifo: true });
  });
});
