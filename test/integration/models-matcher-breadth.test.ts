// A model matcher that also matches processes that are not model servers (a `cmdline: '.*'` matcher would, once
// trusted, stop shells and an http.server): `offload validate` warns with file:line:col; with real processes,
// `offload models stop` asks first in a real pseudo-terminal (and stops nothing unasked), and the rule under
// `policy: auto` reports such a process once instead of stopping it.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createMachineWatch, parseModelsConfig, parseWatchConfig } from '../../main/core/machine';
import { confirmationNeeded } from '../../main/core/offload';
import { Notifier } from '../../main/core/notify/notifier';
import { RuleEnforcer } from '../../main/core/rule/enforcer';
import type { Notice } from '../../main/core/state';
import { CLI, makeProject, runCli, tempDataDir } from '../helpers/cli';
import { trustProject } from '../helpers/trust';
import { alive, waitFor } from './machine-helpers';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const LOCAL = 'name: demo\nphases:\n  local:\n    steps:\n      - run: "true"\n';

describe('offload validate: model matchers that reach beyond model servers', () => {
  it("warns at the matcher's cmdline with what else it matches, and still validates", async () => {
    const dir = makeProject(`${LOCAL}models:\n  matchers:\n    - name: any\n      cmdline: '.*'\n`);
    dirs.push(dir);
    const r = await runCli(['validate'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('is valid');
    expect(r.stderr).toContain(
      `${path.join(fs.realpathSync(dir), 'offload.yml')}:9:16: models.matchers[0].cmdline: matcher 'any' also matches processes that are not model servers (\`bash\`, \`-bash\`, \`/bin/sh -c make test\`, 13 more)`,
    );
    const json = await runCli(['validate', '--json'], { cwd: dir });
    const parsed = JSON.parse(json.stdout) as { warnings: { line: number; column: number; path: string }[] };
    expect(parsed.warnings.map((w) => [w.line, w.column, w.path])).toEqual([
      [9, 16, 'models.matchers[0].cmdline'],
    ]);
  });

  it('a matcher naming its server gets no warning', async () => {
    const dir = makeProject(
      `${LOCAL}models:\n  matchers:\n    - { name: mine, cmdline: 'my-llm --port 9000' }\n`,
    );
    dirs.push(dir);
    const r = await runCli(['validate'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('⚠');
  });
});

const DRIVER = path.join(__dirname, '..', 'helpers', 'pty-drive.py');
const linux = process.platform === 'linux';
const hasPython = spawnSync('python3', ['-c', 'import pty'], { stdio: 'ignore' }).status === 0;
const pids: number[] = [];
afterAll(() => {
  // the whole group, whether or not the shell is still there: killing only the shell (or the test stopping it)
  // would leave its `sleep 300` behind, adopted by init
  for (const p of pids) {
    try {
      process.kill(-p, 'SIGKILL');
    } catch {
      // the group is gone
    }
  }
});

/** A shell that a too-broad matcher catches: `bash -c 'sleep …; : <marker>'` (no port, no GPU memory). */
function shellWithMarker(marker: string): number {
  const child = spawn('bash', ['-c', `sleep 300; : ${marker}`], { stdio: 'ignore', detached: true });
  child.unref();
  pids.push(child.pid!);
  return child.pid!;
}

describe.runIf(linux)('a matched process that is no model server is stopped only once confirmed', () => {
  const marker = `offload-breadth-${process.pid}-${Date.now()}`;
  const yaml = `${LOCAL}models:\n  builtin: false\n  grace: 1s\n  verify: 1s\n  matchers:\n    - { name: broad, cmdline: '${marker}' }\n`;

  it('offload models stop without a terminal: not stopped, said why, exit 1', async () => {
    const pid = shellWithMarker(marker);
    const dir = makeProject(yaml);
    dirs.push(dir);
    const data = tempDataDir();
    dirs.push(data);
    await waitFor(() => fs.existsSync(`/proc/${pid}/cmdline`));
    const r = await runCli(['models', 'stop', String(pid), '--data-dir', data], { cwd: dir });
    expect(r.stdout).toContain(`refused    broad (pid ${pid})`);
    expect(r.stdout).toContain(
      'not stopped: does not look like a model server (it runs bash, a shell or system program); confirm in a terminal or pass --yes',
    );
    expect(r.code).toBe(1);
    expect(alive(pid)).toBe(true);
  });

  it.runIf(hasPython)('in a real terminal: n leaves it running, y stops it', async () => {
    const pid = shellWithMarker(marker);
    const dir = makeProject(yaml);
    dirs.push(dir);
    const data = tempDataDir();
    dirs.push(data);
    trustProject(dir, data);
    const inTerminal = (answer: string) =>
      spawnSync(
        'python3',
        [
          DRIVER,
          '20',
          'Stop it\\? \\[y/N\\]',
          answer,
          '--',
          process.execPath,
          CLI,
          'models',
          'stop',
          String(pid),
          '--data-dir',
          data,
        ],
        { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } },
      );
    const no = inTerminal('n');
    expect(no.stdout).toContain(
      `found by your matcher 'broad' but does not look like a model server: it runs bash`,
    );
    expect(no.stdout).toContain('you said no');
    expect(no.status).toBe(1);
    expect(alive(pid)).toBe(true);
    const yes = inTerminal('y');
    expect(yes.stdout).toContain(`stopped    broad (pid ${pid})`);
    expect(yes.status).toBe(0);
    await waitFor(() => !alive(pid));
  });

  it('policy auto: reported once with its reason, never stopped', async () => {
    const pid = shellWithMarker(marker);
    const models = parseModelsConfig({ builtin: false, matchers: [{ name: 'broad', cmdline: marker }] });
    const machine = createMachineWatch({ models, watch: parseWatchConfig({ gpu: false }) });
    const notices: Notice[] = [];
    const journal: Record<string, unknown>[] = [];
    const notifier = new Notifier({ dedupeMs: 0 });
    notifier.subscribe((n) => notices.push(n));
    const rule = new RuleEnforcer({
      policy: 'auto',
      models: machine,
      notifier,
      journal: {
        appendProjectEvent: (_k: string, d: unknown) => void journal.push(d as Record<string, unknown>),
      },
      confirmationNeeded: (m) => confirmationNeeded(m, models.matchers),
    });
    try {
      await waitFor(async () => (await machine.refreshModels()).some((m) => m.pid === pid));
      await rule.gateOpened({});
      for (let i = 0; i < 3; i++) {
        await machine.refreshModels();
        await rule.modelsChanged();
      }
      expect(alive(pid)).toBe(true);
      expect(notices.map((n) => n.title)).toContain(
        `Not stopping broad (pid ${pid}) without your confirmation`,
      );
      // Once for this process (the earlier tests' shells, still running, are reported once each too).
      expect(notices.filter((n) => n.title.includes(`(pid ${pid})`))).toHaveLength(1);
      expect(
        journal.filter(
          (j) => j.action === 'model-needs-confirmation' && (j.model as { pid: number }).pid === pid,
        ),
      ).toHaveLength(1);
      expect(journal.filter((j) => j.action === 'stop-local-models')).toEqual([]);
    } finally {
      machine.stop();
    }
  });
});
