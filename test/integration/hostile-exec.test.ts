/**
 * The boundary's execution side, with the real CLI and real processes: values reach run scripts as data (an
 * output holding quotes, `;`, `$(…)`, backticks and newlines is echoed exactly and runs nothing), short
 * `::add-mask::` values are refused and never blank Offload's lines, and every process a step starts (setsid,
 * double fork, nohup) ends with the step, on Ctrl-C, and after kill -9 of the CLI — while a look-alike with
 * another cookie is never touched.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeProject, runCli, startCli, tempDataDir, waitFor } from '../helpers/cli';
import { processesWith } from '../helpers/process';

const made: string[] = [];
const started: ChildProcess[] = [];
const mounted: string[] = [];
afterAll(() => {
  for (const m of mounted) execFileSync('umount', ['-l', m]);
  for (const c of started) c.kill('SIGKILL');
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function project(yaml: string): string {
  const dir = makeProject(yaml);
  made.push(dir);
  return dir;
}

function dataDir(): string {
  const d = tempDataDir();
  made.push(d);
  return d;
}

const HOSTILE = [
  'a"; touch PWNED; echo "',
  "b' ; touch PWNED2 ; '",
  '$(touch PWNED3)',
  '`touch PWNED4`',
  'x  y',
];

describe('values reach a run script as data', () => {
  it('an output with quotes, ;, $(…), backticks and newlines is echoed exactly, in every quoting, and runs nothing', async () => {
    const dir = project(`name: inject
phases:
  local:
    steps:
      - id: a
        name: Make
        run: |
          {
            echo 'x<<EOF'
            cat hostile.txt
            echo 'EOF'
          } >> "$OFFLOAD_OUTPUT"
      - name: Use
        run: |
          printf '%s\\n' \${{ steps.a.outputs.x }} > bare.txt
          echo "\${{ steps.a.outputs.x }}" > dq.txt
          echo '\${{ steps.a.outputs.x }}' > sq.txt
          cat > hd.txt <<END
          \${{ steps.a.outputs.x }}
          END
          echo "$(echo \${{ steps.a.outputs.x }})" > sub.txt
`);
    fs.writeFileSync(path.join(dir, 'hostile.txt'), HOSTILE.join('\n') + '\n');
    const r = await runCli(['run', 'local', '--data-dir', dataDir()], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const want = HOSTILE.join('\n') + '\n';
    for (const f of ['bare.txt', 'dq.txt', 'sq.txt', 'hd.txt'])
      expect(fs.readFileSync(path.join(dir, f), 'utf8'), f).toBe(want);
    // Unquoted $(echo $VAR) splits words, as the shell does with any variable, but runs nothing.
    expect(fs.readFileSync(path.join(dir, 'sub.txt'), 'utf8')).toContain('$(touch PWNED3)');
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('PWNED'))).toEqual([]);
    // The script as it ran: a reference, not the value.
    expect(r.stdout).toContain(`printf '%s\\n' "\${OFFLOAD_EXPR_1}" > bare.txt`);
  });

  it('shell: from an expression and ${{ }} in a python script are refused at load with the way out', async () => {
    const dir = project(`name: refuse
phases:
  local:
    steps:
      - id: a
        name: Make
        run: echo "sh=bash" >> "$OFFLOAD_OUTPUT"
      - name: Shell from output
        shell: \${{ steps.a.outputs.sh }} {0}
        run: echo hi
        continue-on-error: true
      - name: Python
        shell: python
        run: print("\${{ steps.a.outputs.sh }}")
`);
    // Both are known from offload.yml alone: refused when it is loaded, before any step (or phase) runs.
    const r = await runCli(['run', 'local', '--data-dir', dataDir()], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).not.toContain('Make');
    expect(r.stderr).toContain('the shell cannot come from ${{ … }}');
    expect(r.stderr).toContain("set one under the step's `env:`");
  });
});

describe('::add-mask::', () => {
  it('a value under 4 characters is refused in the step log; no "e" is blanked, Offload\'s lines intact', async () => {
    const dir = project(`name: masks
phases:
  local:
    steps:
      - name: Declare
        run: |
          echo "::add-mask::e"
          echo "::add-mask::s3cr3t-value"
          echo "hello there, s3cr3t-value"
      - name: Later step here
        run: echo "the end"
`);
    const data = dataDir();
    const r = await runCli(['run', 'local', '--data-dir', data], { cwd: dir });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain('hello there, ***');
    expect(r.stdout).toContain(
      '[offload] ::add-mask:: refused: the value has 1 character, fewer than 4; masking it would blank that text in every line, so it is NOT masked',
    );
    expect(r.stdout).toContain('Later step here');
    expect(r.stdout).toContain('the end');
    expect(r.stdout).toContain('run passed');
    expect(r.stdout).not.toContain('th*** ***nd');
    const logs = await runCli(['history', '--run', 'last', '--logs', '--data-dir', data], { cwd: dir });
    expect(logs.stdout).toContain('hello there, ***');
    expect(logs.stdout).toContain('exit code 0');
    expect(logs.stdout).not.toContain('s3cr3t-value');
  });
});

/**
 * A step that leaves three daemons, each a `sleep <token><n>`: setsid after a double fork (its own session,
 * parent gone: neither the process group nor the parent links reach it), a double fork, and nohup.
 */
function daemonProject(token: string): string {
  return project(`name: daemons
phases:
  local:
    steps:
      - name: Daemons
        run: |
          ( setsid sleep ${token}1 >/dev/null 2>&1 < /dev/null & ) &
          ( sleep ${token}2 >/dev/null 2>&1 < /dev/null & ) &
          nohup sleep ${token}3 >/dev/null 2>&1 &
          sleep 0.3
          echo started
          [ -n "$QUICK" ] || sleep ${token}9
`);
}

/** This process's start time (/proc/self/stat field 22), as a cookie names its owner. */
function ownStart(): string {
  const stat = fs.readFileSync('/proc/self/stat', 'latin1');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] as string;
}

/** A process outside any step holding a well-formed cookie of another, live owner (this test process). */
function lookalike(token: string): ChildProcess {
  const cookie = `${process.pid}.${ownStart()}.${'ab'.repeat(8)}`;
  const c = spawn('sleep', [`${token}7`], {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, OFFLOAD_STEP_COOKIE: cookie },
  });
  c.unref();
  started.push(c);
  return c;
}

const daemonsOf = (token: string) => [1, 2, 3].flatMap((n) => processesWith(`sleep ${token}${n}`));

describe.runIf(process.platform === 'linux')("a step's daemons end with it", () => {
  const token = () => `${41_000 + Math.floor(Math.random() * 8999)}`;

  it('after the step ends', async () => {
    const t = token();
    const dir = daemonProject(t);
    const other = lookalike(t);
    const r = await runCli(['run', 'local', '--data-dir', dataDir()], { cwd: dir, env: { QUICK: '1' } });
    expect(r.code, r.stdout).toBe(0);
    expect(daemonsOf(t)).toEqual([]);
    expect(processesWith(`sleep ${t}7`)).toEqual([other.pid]);
  });

  it('after Ctrl-C', async () => {
    const t = token();
    const dir = daemonProject(t);
    const other = lookalike(t);
    const child = startCli(['run', 'local', '--data-dir', dataDir()], { cwd: dir });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    await waitFor(() => out.includes('started'), 20_000, 'the step to start');
    expect(daemonsOf(t).length).toBe(3);
    child.kill('SIGINT');
    await new Promise((r) => child.on('exit', r));
    await waitFor(() => daemonsOf(t).length === 0, 5000, 'the daemons to end');
    expect(processesWith(`sleep ${t}7`)).toEqual([other.pid]);
  });

  it('after kill -9 of the CLI (the supervisor sweeps)', async () => {
    const t = token();
    const dir = daemonProject(t);
    const other = lookalike(t);
    const child = startCli(['run', 'local', '--data-dir', dataDir()], { cwd: dir });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    await waitFor(() => out.includes('started'), 20_000, 'the step to start');
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    await waitFor(() => daemonsOf(t).length === 0, 6000, 'the daemons to end');
    expect(processesWith(`sleep ${t}7`)).toEqual([other.pid]);
  });

  it('after kill -9 of the CLI and its supervisor: the next start sweeps them', async () => {
    const t = token();
    const dir = daemonProject(t);
    const other = lookalike(t);
    const data = dataDir();
    const child = startCli(['run', 'local', '--data-dir', data], { cwd: dir });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    await waitFor(() => out.includes('started'), 20_000, 'the step to start');
    const supervisor = fs
      .readdirSync('/proc')
      .filter((n) => /^\d+$/.test(n))
      .find((n) => {
        try {
          const stat = fs.readFileSync(`/proc/${n}/stat`, 'latin1');
          const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
          return ppid === child.pid && fs.readFileSync(`/proc/${n}/cmdline`, 'latin1').includes('tracked');
        } catch {
          return false;
        }
      });
    expect(supervisor).toBeDefined();
    process.kill(Number(supervisor), 'SIGKILL');
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    await new Promise((r) => setTimeout(r, 300));
    // Nobody of this run is left to end them. (Another Offload starting meanwhile — a parallel test — may sweep
    // them first: the sweep is by owner, machine-wide, which is the behaviour under test too.)
    const next = await runCli(['run', 'local', '--data-dir', data], { cwd: dir, env: { QUICK: '1' } });
    expect(next.code, next.stdout).toBe(0);
    await waitFor(() => daemonsOf(t).length === 0, 5000, 'the leftovers to end');
    expect(processesWith(`sleep ${t}7`)).toEqual([other.pid]);
  });
});

/** A 64 KiB tmpfs (needs root: `mount -t tmpfs`); undefined where it cannot be mounted. */
function tinyDisk(): string | undefined {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' });
    mounted.push(dir);
    made.push(dir);
    return dir;
  } catch {
    fs.rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

const tiny = tinyDisk();

// Skipped where a tmpfs cannot be mounted (not root, or no mount permission in this container).
describe.runIf(tiny !== undefined)('disk full (a 64 KiB tmpfs as the data folder)', () => {
  it("is reported as such, not as the step's exit code, and the terminal output keeps flowing", async () => {
    const dir = project(`name: full
phases:
  local:
    steps:
      - name: Loud
        run: |
          for i in $(seq 1 3000); do echo "line $i of the loud step, padding padding padding"; done
          echo "the last line"
`);
    const r = await runCli(['run', 'local', '--data-dir', tiny!], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('line 3000 of the loud step');
    expect(r.stdout).toContain('the last line');
    expect(r.stdout).toMatch(
      /disk full writing the step log at \S+local--loud\.log \(the step: exit code 0\)/,
    );
    expect(r.stdout).not.toContain('exit code 1');
    expect(r.stderr).not.toMatch(/ENOSPC|at .*\.js:\d+/);
  });
});
