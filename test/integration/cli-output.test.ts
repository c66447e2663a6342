// What `offload run` shows of a step's output and what `offload history --logs` prints of it, through the real
// built CLI: a last line without a newline (curl printing JSON) on a TTY and in plain progress, and a step's
// own escape codes kept only on a colour terminal.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI, collect, makeProject, runCli, tempDataDir } from '../helpers/cli';
import { trustProject } from '../helpers/trust';

// `script` gives the CLI a real pseudo-terminal, as a user's shell does.
const inPty = (dir: string, args: string[], env: NodeJS.ProcessEnv) => {
  trustProject(dir, args[args.indexOf('--data-dir') + 1]!);
  return collect(
    spawn(
      'script',
      ['-qec', [process.execPath, CLI, ...args].map((a) => JSON.stringify(a)).join(' '), '/dev/null'],
      { cwd: dir, env: { ...process.env, TERM: 'xterm', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
};

const JSON_STEP = `name: demo
phases:
  local:
    steps:
      - name: Fetch status
        run: printf '{"ok":true}'
workflows:
  local: [local]
`;

describe('a last line without a newline', () => {
  it('shows on a TTY (the block keeps the last step it ran on)', async () => {
    const dir = makeProject(JSON_STEP);
    const r = await inPty(dir, ['run', 'local', '--data-dir', tempDataDir()], { NO_COLOR: '1' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/│ \{"ok":true\}/);
    // The final block (after the last redraw) has it.
    const final = r.stdout.slice(r.stdout.lastIndexOf('offload run local'));
    expect(final).toMatch(/│ \{"ok":true\}/);
    expect(final).toContain('✅ Fetch status');
  });

  it('shows in plain progress (not a TTY)', async () => {
    const dir = makeProject(JSON_STEP);
    const r = await runCli(['run', 'local', '--data-dir', tempDataDir()], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ +│ \{"ok":true\}$/m);
    // Before the step's own line: it is that step's output.
    expect(r.stdout.indexOf('{"ok":true}')).toBeLessThan(r.stdout.indexOf('✅ Fetch status'));
  });
});

describe('offload history --logs', () => {
  const COLOURED = `name: demo
phases:
  local:
    steps:
      - name: Colours
        run: printf '\\033[31mred\\033[0m plain \\033]0;title\\007done\\n'
workflows:
  local: [local]
`;

  it('piped: the step log without escape codes; on a colour TTY: its colours only (never a title); NO_COLOR: without', async () => {
    const dir = makeProject(COLOURED);
    const data = tempDataDir();
    expect((await runCli(['run', 'local', '--data-dir', data], { cwd: dir })).code).toBe(0);
    const args = ['history', '--run', 'last', '--logs', '--data-dir', data];

    const piped = await runCli(args, { cwd: dir, env: { NO_COLOR: '' } });
    expect(piped.code).toBe(0);
    expect(piped.stdout).toContain('red plain done');
    expect(piped.stdout).not.toContain('\x1b');

    const tty = await inPty(dir, args, { NO_COLOR: '', FORCE_COLOR: '' });
    expect(tty.code).toBe(0);
    expect(tty.stdout).toContain('\x1b[31mred\x1b[0m plain done');
    expect(tty.stdout).not.toContain('\x1b]0;');

    const noColor = await inPty(dir, args, { NO_COLOR: '1' });
    expect(noColor.code).toBe(0);
    expect(noColor.stdout).toContain('red plain done');
    expect(noColor.stdout).not.toContain('\x1b');
  });
});

describe('placeholder AWS credentials (moto, LocalStack)', () => {
  it('"test" keys are not masked inside words; the log says why; a declared secret still is', async () => {
    const dir = makeProject(`name: placeholder
secrets: [DB_PASSWORD]
phases:
  local:
    steps:
      - name: Unit tests
        run: echo "python3 -m unittest discover; Ran 1 test; password=$DB_PASSWORD"
`);
    const data = tempDataDir();
    const r = await runCli(['run', 'local', '--data-dir', data], {
      cwd: dir,
      env: { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', DB_PASSWORD: 'pw-0123456789' },
    });
    expect(r.code).toBe(0);
    const logs = await runCli(['history', '--run', 'last', '--logs', '--data-dir', data], { cwd: dir });
    expect(logs.stdout).toContain('python3 -m unittest discover; Ran 1 test; password=***');
    expect(logs.stdout).toMatch(
      /not masked: AWS_SECRET_ACCESS_KEY, AWS_ACCESS_KEY_ID|not masked: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY/,
    );
    expect(logs.stdout).not.toContain('pw-0123456789');
  });
});

describe('where a failed run points for its logs', () => {
  it('a run whose step failed names the history command; one a gate refused before any step does not', async () => {
    const dir = makeProject('name: logs-hint\nphases:\n  local:\n    steps:\n      - run: "false"\n');
    const data = tempDataDir();
    trustProject(dir, data);
    const failed = await runCli(['run', 'local', '--data-dir', data], { cwd: dir });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^offload: logs: offload history --run \S+ --logs$/m);
    const refused = await runCli(['run', 'test', '--data-dir', data], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/run blocked .* no steps: offload\.yml defines no steps for aws-test/);
    expect(refused.stderr).not.toContain('offload: logs:');
  });
});
