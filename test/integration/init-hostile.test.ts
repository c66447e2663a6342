// `offload init` on hostile repositories, through the built CLI: init runs before the project is trusted, so it
// never executes repository code (a `pytest.py` or a `python3` of the repository) and reads the repository
// bounded (FIFOs, sparse multi-gigabyte files and symlink loops cost it neither time nor memory).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDataDir } from '../helpers/cli';

const posix = process.platform !== 'win32';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-init-hostile-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;

function repo(files: Record<string, string>): string {
  const dir = path.join(tmp, `repo${++n}`);
  fs.mkdirSync(dir);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

/**
 * Preloaded into the CLI: prints its peak memory (KiB) and CPU time (µs) on exit, so a test can bound them (CPU
 * rather than wall time: this suite shares a loaded machine; a blocked read is caught by the wall timeout).
 */
const RSS_REPORTER = path.join(tmp, 'report-rss.cjs');
fs.writeFileSync(
  RSS_REPORTER,
  [
    "process.on('exit', () => {",
    '  const u = process.resourceUsage();',
    '  process.stderr.write(`\\nmax-rss-kib=${u.maxRSS} cpu-us=${u.userCPUTime + u.systemCPUTime}\\n`);',
    '});',
    '',
  ].join('\n'),
);

/** `offload init` run in the repository, as a user would. */
async function init(dir: string, env: NodeJS.ProcessEnv = {}) {
  return runCli(['init'], {
    cwd: dir,
    env: { OFFLOAD_HOME: tempDataDir(), ...env },
    untrusted: true,
    timeoutMs: 20_000,
  });
}

/**
 * `offload init DIR` with its peak memory and CPU time. It starts outside the repository: Node itself reads the
 * package.json of the folder it starts in when it preloads the reporter.
 */
async function measuredInit(dir: string) {
  const r = await runCli(['init', dir], {
    cwd: tmp,
    env: { OFFLOAD_HOME: tempDataDir(), NODE_OPTIONS: `--require ${RSS_REPORTER}` },
    untrusted: true,
    timeoutMs: 20_000,
  });
  const m = /max-rss-kib=(\d+) cpu-us=(\d+)/.exec(r.stderr);
  return { ...r, cpuMs: Number(m?.[2]) / 1000, rssMib: Number(m?.[1]) / 1024 };
}

const HOSTILE_PY = (marker: string) => `open(${JSON.stringify(marker)}, 'w').write('ran repository code')\n`;

describe.runIf(posix)('offload init never runs repository code', () => {
  it("a repository's own pytest.py is not imported by the pytest probe", async () => {
    const marker = path.join(tmp, 'PWNED-pytest');
    const dir = repo({
      'pyproject.toml': '[project]\nname = "shop"\n\n[project.optional-dependencies]\ntest = ["pytest"]\n',
      'pytest.py': HOSTILE_PY(marker),
      'tests/test_cart.py': 'def test_total():\n    assert 1 + 1 == 2\n',
    });
    const r = await init(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.existsSync(marker)).toBe(false);
    expect(r.stdout).toMatch(/^ {3}- Python/m);
  });

  it('a `python3` in the repository is not run when PATH has a relative entry (.)', async () => {
    const marker = path.join(tmp, 'PWNED-python3');
    const dir = repo({
      'requirements.txt': 'pytest\n',
      'tests/test_a.py': 'def test_a():\n    pass\n',
      python3: `#!/bin/sh\necho ran > ${JSON.stringify(marker)}\n`,
    });
    fs.chmodSync(path.join(dir, 'python3'), 0o755);
    const r = await init(dir, { PATH: `.:${process.env.PATH ?? ''}` });
    expect(r.code, r.stderr).toBe(0);
    expect(fs.existsSync(marker)).toBe(false);
  });
});

const hasMkfifo = posix && spawnSync('sh', ['-c', 'command -v mkfifo'], { encoding: 'utf8' }).status === 0;
const mkfifo = (file: string) => expect(spawnSync('mkfifo', [file]).status).toBe(0);

describe.runIf(hasMkfifo)('offload init reads the repository bounded', () => {
  it('a FIFO package.json (and pyproject.toml, go.mod, Makefile) is skipped with its reason, without waiting', async () => {
    const dir = repo({ 'setup.cfg': '[metadata]\nname = fifo\n' });
    for (const f of [
      'package.json',
      'pyproject.toml',
      'requirements.txt',
      'tox.ini',
      'go.mod',
      'Makefile',
      'Cargo.toml',
      'CMakeLists.txt',
    ])
      mkfifo(path.join(dir, f));
    const r = await measuredInit(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.cpuMs).toBeLessThan(2000);
    expect(r.stdout).toContain('   - package.json (not a regular file: skipped)');
  });

  it('a sparse 5 GB package.json and a 1.9 GB test file: skipped or capped, under 2 s and 200 MB', async () => {
    const dir = repo({ 'tests/__init__.py': '' });
    const pkg = path.join(dir, 'package.json');
    fs.writeFileSync(pkg, '{"name": "huge", ');
    fs.truncateSync(pkg, 5 * 2 ** 30);
    const big = path.join(dir, 'tests', 'test_big.py');
    fs.writeFileSync(big, 'import unittest\n');
    fs.truncateSync(big, Math.floor(1.9 * 2 ** 30));
    const r = await measuredInit(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('   - package.json (larger than 1 MB: skipped)');
    expect(r.cpuMs).toBeLessThan(2000);
    expect(r.rssMib).toBeLessThan(200);
  });

  it('package.json and pyproject.toml linked to /dev/zero and /dev/urandom are refused, not read forever', async () => {
    const dir = repo({});
    fs.symlinkSync('/dev/zero', path.join(dir, 'package.json'));
    fs.symlinkSync('/dev/urandom', path.join(dir, 'pyproject.toml'));
    const r = await measuredInit(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('   - package.json (not a regular file: skipped)');
    expect(r.cpuMs).toBeLessThan(2000);
    expect(r.rssMib).toBeLessThan(200);
  });
});

describe.runIf(posix)('folder names that hide or reorder text', () => {
  it('a bidi override or zero-width space in a folder name: a valid offload.yml with nothing raw, shown as ⟨U+…⟩', async () => {
    const pkg = JSON.stringify({ name: 'x', scripts: { build: 'echo b', test: 'echo t' } });
    const dir = repo({ 'ap\u202ep/package.json': pkg, 'we\u200bb/package.json': pkg });
    const r = await init(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('ap⟨U+202E⟩p/package.json');
    expect(r.stdout).toContain('we⟨U+200B⟩b/package.json');
    const HIDDEN = /[\u200b-\u200f\u202a-\u202e\u2066-\u2069]/u;
    expect(r.stdout).not.toMatch(HIDDEN);
    const text = fs.readFileSync(path.join(dir, 'offload.yml'), 'utf8');
    expect(text).not.toMatch(HIDDEN);
    expect(text).toContain('cwd: "ap\\u202ep"');
    expect(text).toContain('name: Build (ap⟨U+202E⟩p)');
    // the file it wrote is valid, and its steps still run in the real folders
    const v = await runCli(['validate'], { cwd: dir, untrusted: true });
    expect(v.code, v.stderr).toBe(0);
  });
});
