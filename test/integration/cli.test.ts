// The CLI end to end: real bin/offload.js, real step processes, real history files.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { alive, CLI, collect, makeProject, runCli, startCli, tempDataDir, waitFor } from '../helpers/cli';
import { trustProject } from '../helpers/trust';

const cleanup: (() => void)[] = [];
afterAll(() => cleanup.forEach((f) => f()));

describe('offload run', () => {
  it('runs a multi-phase workflow to ✅ and exits 0; history and logs read back', async () => {
    const dir = makeProject(`name: demo
phases:
  local:
    steps:
      - id: build
        name: Build
        run: echo "version=1.2.3" >> "$OFFLOAD_OUTPUT"; echo building
      - name: Test
        run: echo "testing \${{ steps.build.outputs.version }}"
  shutdown:
    steps:
      - name: Noop
        run: echo bye
workflows:
  local: [local]
`);
    const data = tempDataDir();
    const r = await runCli(['run', 'local', '--data-dir', data], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('✅');
    expect(r.stdout).toContain('testing 1.2.3');

    const list = await runCli(['history', '--json', '--data-dir', data], { cwd: dir });
    const runs = JSON.parse(list.stdout);
    expect(runs).toHaveLength(1);
    expect(runs[0].status).toBe('passed');

    const logs = await runCli(['history', '--run', 'last', '--logs', '--data-dir', data], { cwd: dir });
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/building/);
    expect(logs.stdout).toMatch(/testing 1\.2\.3/);
  });

  it('a failing step exits 1 and leaves later steps pending', async () => {
    const dir = makeProject(`name: demo
phases:
  local:
    steps:
      - name: Fails
        run: exit 3
      - name: Never
        run: touch never-ran
workflows:
  local: [local]
`);
    const data = tempDataDir();
    const r = await runCli(['run', 'local', '--json', '--data-dir', data], { cwd: dir });
    expect(r.code).toBe(1);
    const run = JSON.parse(r.stdout);
    expect(run.status).toBe('failed');
    expect(run.phases[0].steps.map((s: { status: string }) => s.status)).toEqual(['failed', 'pending']);
    expect(fs.existsSync(path.join(dir, 'never-ran'))).toBe(false);
  });

  it('an unknown workflow is a usage error (exit 2) that lists the defined ones', async () => {
    const dir = makeProject(`name: demo\nphases:\n  local:\n    steps:\n      - run: "true"\n`);
    const r = await runCli(['run', 'nope', '--data-dir', tempDataDir()], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown workflow "nope".*full/);
  });

  it('an unknown command or option is a usage error (exit 2)', async () => {
    const dir = makeProject(`name: demo\n`);
    expect((await runCli(['frobnicate'], { cwd: dir })).code).toBe(2);
    expect((await runCli(['run', 'full', '--bogus'], { cwd: dir })).code).toBe(2);
  });

  it('Ctrl-C (SIGINT) cancels the running step and its grandchildren, exit 130', async () => {
    const dir = makeProject(`name: demo
phases:
  local:
    steps:
      - name: Spawns a tree
        run: |
          sleep 300 & echo "grandchild=$!" > pids.txt
          bash -c 'sleep 301 & echo "great=$!" >> pids.txt; wait' &
          wait
workflows:
  local: [local]
`);
    const child = startCli(['run', 'local', '--data-dir', tempDataDir()], { cwd: dir });
    const pidsFile = path.join(dir, 'pids.txt');
    const pids = await waitFor(
      () => {
        const t = fs.existsSync(pidsFile) ? fs.readFileSync(pidsFile, 'utf8') : '';
        const found = [...t.matchAll(/=(\d+)/g)].map((m) => Number(m[1]));
        return found.length === 2 ? found : undefined;
      },
      10_000,
      'the step to start its grandchildren',
    );
    cleanup.push(() => pids.forEach((p) => alive(p) && process.kill(p, 'SIGKILL')));
    expect(pids.every(alive)).toBe(true);
    child.kill('SIGINT');
    const r = await collect(child);
    expect(r.code).toBe(130);
    await waitFor(() => pids.every((p) => !alive(p)), 5_000, 'the whole step tree to be gone');
  });
});

describe('crash honesty', () => {
  it('kill -9 of the CLI mid-run: history shows the run ❌ interrupted, never ⏳', async () => {
    const dir = makeProject(`name: demo
phases:
  local:
    steps:
      - name: Long
        run: echo started; sleep 60
workflows:
  local: [local]
`);
    const data = tempDataDir();
    const child = startCli(['run', 'local', '--data-dir', data], { cwd: dir });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    await waitFor(() => out.includes('started'), 10_000, 'the step to start');
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));

    const r = await runCli(['history', '--json', '--data-dir', data], { cwd: dir });
    const runs = JSON.parse(r.stdout);
    expect(runs[0].status).toBe('failed');
    expect(runs[0].reason).toMatch(/interrupted/);
    const one = await runCli(['history', '--run', runs[0].runId, '--json', '--data-dir', data], { cwd: dir });
    const run = JSON.parse(one.stdout);
    expect(JSON.stringify(run)).not.toContain('"running"');
    const text = await runCli(['history', '--run', 'last', '--data-dir', data], { cwd: dir });
    expect(text.stdout).toContain('❌');
    expect(text.stdout).toMatch(/interrupted/);
  });
});

describe('invalid config', () => {
  it('prints file:line:col for each problem, exits 2, runs nothing', async () => {
    const dir = makeProject(`name: demo
phases:
  local:
    steps:
      - name: Would run
        run: touch ran
        timout: 5s
  deploy:
    steps: []
`);
    const r = await runCli(['run', 'full', '--data-dir', tempDataDir()], { cwd: dir });
    expect(r.code).toBe(2);
    const file = path.join(dir, 'offload.yml');
    expect(r.stderr).toContain(`${file}:7:9`);
    expect(r.stderr).toMatch(/timout/);
    expect(r.stderr).toContain(`${file}:8:3`);
    expect(r.stderr).toMatch(/deploy/);
    expect(fs.existsSync(path.join(dir, 'ran'))).toBe(false);
    const v = await runCli(['validate'], { cwd: dir });
    expect(v.code).toBe(2);
    // --json: the same problems on stdout for a script, exit 2 all the same
    const j = await runCli(['validate', '--json'], { cwd: dir });
    expect(j.code).toBe(2);
    const out = JSON.parse(j.stdout) as {
      valid: boolean;
      problems: { file: string; line: number; column: number; path: string; message: string }[];
    };
    expect(out.valid).toBe(false);
    expect(out.problems.map((p) => [p.file, p.line, p.column])).toEqual([
      [file, 7, 9],
      [file, 8, 3],
    ]);
    expect(out.problems[0]!.message).toMatch(/timout/);
  });

  it('no offload.yml anywhere: exit 2 and a hint to run offload init', async () => {
    const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'offload-empty-'));
    const r = await runCli(['validate'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/offload init/);
  });
});

describe('offload init', () => {
  it('writes a starter offload.yml that validates, and refuses to overwrite without --force', async () => {
    const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'offload-init-'));
    fs.writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: 'svc', scripts: { build: 'tsc', test: 'vitest' } }),
    );
    const r = await runCli(['init'], { cwd: dir });
    expect(r.code).toBe(0);
    const text = fs.readFileSync(path.join(dir, 'offload.yml'), 'utf8');
    expect(text).toMatch(/npm run build/);
    expect(text).toMatch(/\$schema/);
    expect((await runCli(['validate'], { cwd: dir })).code).toBe(0);
    expect((await runCli(['init'], { cwd: dir })).code).toBe(2);
    expect((await runCli(['init', '--force'], { cwd: dir })).code).toBe(0);
  });
});

describe('the example project', () => {
  it('examples/inference-api validates and its local workflow passes', async () => {
    const dir = path.resolve(__dirname, '..', '..', 'examples', 'inference-api');
    const v = await runCli(['validate'], { cwd: dir });
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
    const r = await runCli(['run', 'local', '--data-dir', tempDataDir()], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/health -> 200/);
  });
});

describe('terminal rendering', () => {
  const yaml = `name: demo
phases:
  local:
    steps:
      - name: Slow step
        run: for i in 1 2 3; do echo "tick $i"; sleep 0.2; done
workflows:
  local: [local]
`;
  // `script` gives the CLI a real pseudo-terminal, as a user's shell does.
  const inPty = (dir: string, env: NodeJS.ProcessEnv) => {
    const data = tempDataDir();
    trustProject(dir, data);
    return collect(
      spawn(
        'script',
        [
          '-qec',
          `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} run local --data-dir ${data}`,
          '/dev/null',
        ],
        { cwd: dir, env: { ...process.env, TERM: 'xterm', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
      ),
    );
  };

  it('on a TTY: a live block redrawn in place, in colour unless NO_COLOR', async () => {
    const dir = makeProject(yaml);
    const colour = await inPty(dir, { NO_COLOR: '', FORCE_COLOR: '' });
    expect(colour.code).toBe(0);
    expect(colour.stdout).toMatch(/\x1b\[\d+A\x1b\[J/); // cursor up + clear: redrawn in place
    expect(colour.stdout).toMatch(/\x1b\[32m/); // green
    expect(colour.stdout).toMatch(/│ tick \d/); // last output lines under the running step
    const plain = await inPty(dir, { NO_COLOR: '1' });
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toMatch(/\x1b\[3\dm/);
    expect(plain.stdout).toContain('✅');
  });

  it('not a TTY: plain lines, no escape codes, output indented', async () => {
    const dir = makeProject(yaml);
    const r = await runCli(['run', 'local', '--data-dir', tempDataDir()], {
      cwd: dir,
      env: { NO_COLOR: '' },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('\x1b[');
    expect(r.stdout).toMatch(/^ +│ tick 3$/m);
    expect(r.stdout).toMatch(/✅ Slow step/);
  });
});
