/**
 * Pressure alerts as a user meets them: `offload watch` names the model server holding the memory and what the
 * rule does about it, tells quietly when the pressure ends (printed, journalled, never a desktop notice), and
 * `offload status --json` carries a machine section with the pressure now and the biggest model servers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collect, makeProject, runCli, startCli, tempDataDir, waitFor } from '../helpers/cli';
import { alive, escapeRegex, fixtureSandbox } from './machine-helpers';

describe.runIf(process.platform === 'linux')('machine pressure in watch, journal and status', () => {
  const box = fixtureSandbox('offload-pressure-');
  const data = tempDataDir();
  afterAll(async () => {
    await box.cleanup();
  });

  it('names the model server and the rule’s action; its end is told quietly and journalled', async () => {
    const dir = makeProject(
      `name: pressure
notify: { desktop: false }
models:
  exclude: [{ cmdline: '^(?!.*${escapeRegex(box.dir)})' }]
watch:
  process-interval: 500ms
  alerts: { model-rss: { above: 4MB, for: 1s } }
`,
    );
    const env = { OFFLOAD_HOME: data, HOME: data };
    const ollama = await box.start('ollama', ['serve'], { env: { FIXTURE_MODELS: '' } });
    const child = startCli(['watch', '--no-desktop'], { cwd: dir, env });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    try {
      await waitFor(() => out.includes('Machine under pressure'), 20_000, 'the pressure alert').catch((e) => {
        throw new Error(`${(e as Error).message}; output:\n${out}`);
      });
      expect(out).toMatch(
        new RegExp(
          `Ollama \\(pid ${ollama.pid}\\) holds [\\d.]+ MiB: \`offload run full\` moves it to AWS, and the rule stops it once AWS is ready \\(now: \`offload models stop ${ollama.pid}\`\\)`,
        ),
      );
      expect(out).not.toMatch(/Deploy them to AWS/);

      const status = JSON.parse((await runCli(['status', '--json'], { cwd: dir, env })).stdout);
      expect(status.machine).toMatchObject({
        ram: { usedPct: expect.any(Number), totalBytes: expect.any(Number) },
        cpu: { cores: expect.any(Number) },
        topModels: [{ pid: ollama.pid, title: 'Ollama' }],
      });
      expect(status.machine.advice).toMatch(/^Ollama \(pid \d+\) holds .*`offload run full` moves it to AWS/);
      const text = await runCli(['status'], { cwd: dir, env });
      expect(text.stdout).toMatch(/machine: RAM \d+% of [\d.]+ \w+, CPU \d+% of \d+ cores?/);

      expect((await runCli(['models', 'stop', String(ollama.pid)], { cwd: dir, env })).code).toBe(0);
      expect(alive(ollama.pid)).toBe(false);
      await waitFor(() => out.includes('Machine pressure over'), 20_000, 'the all-clear').catch((e) => {
        throw new Error(`${(e as Error).message}; output:\n${out}`);
      });
    } finally {
      child.kill('SIGINT');
    }
    expect((await collect(child)).code).toBe(130);

    const lines = JSON.parse((await runCli(['journal', '--json'], { cwd: dir, env })).stdout) as {
      kind: string;
      text: string;
      data: { transition?: string; id?: string };
    }[];
    const pressure = lines.filter((l) => l.kind === 'pressure');
    expect(pressure.map((l) => [l.data.transition, l.data.id])).toEqual([
      ['raised', `model-rss:${ollama.pid}`],
      ['cleared', `model-rss:${ollama.pid}`],
    ]);
    expect(pressure[1]!.text).toMatch(/^pressure over \(model-rss:\d+, since /);
    // And the status without a model server advises nothing to deploy.
    const after = JSON.parse((await runCli(['status', '--json'], { cwd: dir, env })).stdout);
    expect(after.machine).toMatchObject({ topModels: [], advice: '' });
    expect(fs.existsSync(path.join(dir, 'offload.yml'))).toBe(true);
  }, 120_000);
});
