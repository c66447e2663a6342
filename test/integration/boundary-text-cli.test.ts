/**
 * Project text reaches the user's terminal shown, never obeyed, through the real CLI: the trust review prints
 * every command in full with bidi and zero-width characters made visible (and `--json` the same); what a step
 * prints reaches stdout of `run` and `history --logs` without its clipboard, title, clear-screen, link or
 * carriage-return tricks; a config key with escapes is shown in the error, not sent to the terminal.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { CLI, collect, makeProject, runCli, tempDataDir } from '../helpers/cli';
import { trustProject } from '../helpers/trust';

/** Anything a terminal would act on: ESC, BEL, CR, other C0/C1 controls. */
const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

describe.runIf(process.platform === 'linux')('project text in the terminal (CLI)', () => {
  it('the review shows a command past 160 characters in full, hidden characters visible, in --json too', async () => {
    const data = tempDataDir();
    const long = `echo ${'a'.repeat(200)}; touch PWNED`;
    const dir = makeProject(`name: review
phases:
  local:
    steps:
      - name: Build
        run: '${long}'
      - name: Sneaky
        run: "echo \\u202eok\\u2069 \\u200bx; rm -rf ~/\\ufeff"
      - name: Two lines
        run: |
          echo first
          echo second
`);
    const show = await runCli(['trust', '--data-dir', data], { cwd: dir, untrusted: true });
    expect(show.code).toBe(2);
    expect(show.stderr).toContain(`local › Build (build): run ${long}`);
    expect(show.stderr).toContain('touch PWNED');
    expect(show.stderr).toContain('echo ⟨U+202E⟩ok⟨U+2069⟩ ⟨U+200B⟩x; rm -rf ~/⟨U+FEFF⟩');
    expect(show.stderr).toContain('run echo first\n    echo second');
    expect(show.stderr).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200b-\u200d\u2060\ufeff]/);

    const json = await runCli(['trust', '--json', '--data-dir', data], { cwd: dir, untrusted: true });
    const actions = (JSON.parse(json.stdout) as { actions: string[] }).actions;
    expect(actions).toContain(`local › Build (build): run ${long}`);
    expect(actions.join('\n')).toContain('⟨U+202E⟩ok⟨U+2069⟩');
    expect(actions.join('\n')).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u200b-\u200d\u2060\ufeff]/);
    expect(fs.existsSync(path.join(dir, 'PWNED'))).toBe(false);
  }, 30_000);

  it('trusting one project after the trust file was damaged keeps the other projects trusted', async () => {
    const data = tempDataDir();
    const a = makeProject('name: a\nphases: { local: { steps: [{ name: A, run: "true" }] } }\n');
    const b = makeProject('name: b\nphases: { local: { steps: [{ name: B, run: "true" }] } }\n');
    expect((await runCli(['trust', '--yes', '--data-dir', data], { cwd: a, untrusted: true })).code).toBe(0);
    const file = path.join(data, 'trust.json');
    fs.appendFileSync(file, '\n"/half": {"digest": '); // a crash mid-write, or a stray editor
    fs.chmodSync(file, 0o644);
    expect((await runCli(['trust', '--yes', '--data-dir', data], { cwd: b, untrusted: true })).code).toBe(0);
    const status = await runCli(['trust', '--json', '--data-dir', data], { cwd: a, untrusted: true });
    expect(JSON.parse(status.stdout)).toMatchObject({ trusted: true });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(data).some((f) => f.startsWith('trust.json.damaged-'))).toBe(true);
  }, 30_000);

  it('step output reaches stdout of run and history --logs without escapes or carriage returns', async () => {
    const data = tempDataDir();
    // OSC 52 (clipboard), OSC 0 (title), clear screen + home, an OSC 8 link, a carriage return, a bell.
    const dir = makeProject(`name: noisy
phases:
  local:
    steps:
      - name: Noisy
        run: printf 'clip\\033]52;c;dG91Y2ggUFdORUQ=\\007 title\\033]0;pwned\\033\\\\ clear\\033[2J\\033[H \\033]8;;https://evil.example\\033\\\\link\\033]8;;\\033\\\\ safe\\rEVIL\\007\\n'
`);
    const run = await runCli(['run', 'local', '--data-dir', data], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(RAW);
    expect(run.stdout).toContain('clip title clear link safe');
    expect(run.stdout).toMatch(/│ EVIL⟨U\+0007⟩/);
    expect(run.stdout).not.toContain('evil.example');

    const logs = await runCli(['history', '--run', 'last', '--logs', '--data-dir', data], { cwd: dir });
    expect(logs.code).toBe(0);
    expect(logs.stdout).not.toMatch(RAW);
    expect(logs.stdout).toContain('clip title clear link safe\nEVIL⟨U+0007⟩');
    // The log itself keeps what the step printed: only what reaches a terminal is cleaned.
    const json = await runCli(['history', '--run', 'last', '--logs', '--json', '--data-dir', data], {
      cwd: dir,
    });
    expect(JSON.stringify(JSON.parse(json.stdout))).toContain('\\u001b]52;c;');
  }, 30_000);

  it('bidi controls a step prints are shown as code points in run and history --logs', async () => {
    const data = tempDataDir();
    const dir = makeProject(`name: bidi
phases:
  local:
    steps:
      - name: Bidi
        run: printf 'access \\342\\200\\256nimda\\342\\201\\246 level\\n'
`);
    const run = await runCli(['run', 'local', '--data-dir', data], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('access ⟨U+202E⟩nimda⟨U+2066⟩ level');
    expect(run.stdout).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
    const logs = await runCli(['history', '--run', 'last', '--logs', '--data-dir', data], { cwd: dir });
    expect(logs.stdout).toContain('access ⟨U+202E⟩nimda⟨U+2066⟩ level');
    expect(logs.stdout).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
  }, 30_000);

  it('on a colour TTY the live block keeps the step colours, never its other escapes', async () => {
    const data = tempDataDir();
    const dir = makeProject(`name: noisy-tty
phases:
  local:
    steps:
      - name: Noisy
        run: printf '\\033[31mred\\033[0m\\033]52;c;dG91Y2g=\\007\\033]0;pwned\\007\\033[2J\\033[H\\033]8;;https://evil.example\\007link\\033]8;;\\007\\n'; sleep 0.3
`);
    trustProject(dir, data);
    // `script` gives the CLI a real pseudo-terminal, as a user's shell does.
    const cmd = [process.execPath, CLI, 'run', 'local', '--data-dir', data]
      .map((a) => JSON.stringify(a))
      .join(' ');
    const r = await collect(
      spawn('script', ['-qec', cmd, '/dev/null'], {
        cwd: dir,
        env: { ...process.env, TERM: 'xterm', NO_COLOR: '', FORCE_COLOR: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('\x1b[31mred\x1b[0mlink');
    for (const raw of ['\x1b]', '\x07', '\x1b[2J', '\x1b[H', 'evil.example'])
      expect(r.stdout).not.toContain(raw);
  }, 30_000);

  it('a config key with escapes is shown in the error, not sent to the terminal', async () => {
    const dir = makeProject(`name: keys
"bad\\e]0;pwned\\a\\e[2Jkey": 1
phases: { local: { steps: [{ name: A, run: "true" }] } }
`);
    const r = await runCli(['validate', '--data-dir', tempDataDir()], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(RAW);
    expect(r.stderr).toContain('bad⟨U+001B⟩]0;pwned⟨U+0007⟩⟨U+001B⟩[2Jkey');
  }, 30_000);
});
