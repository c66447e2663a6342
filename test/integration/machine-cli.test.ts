/** `offload models` and `offload models stop` over real fixture processes: output, JSON and exit codes. */
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { registerModelsCommand } from '../../main/cli/commands/models';
import { createMachineWatch, parseModelsConfig, parseWatchConfig } from '../../main/core/machine';
import type { ModelProcess, StopOutcome } from '../../main/core/state';
import { alive, escapeRegex, fixtureSandbox } from './machine-helpers';

describe.runIf(process.platform === 'linux')('offload models (CLI)', () => {
  const box = fixtureSandbox('offload-cli-');
  afterAll(() => box.cleanup());
  const models = parseModelsConfig({
    exclude: [{ cmdline: `^(?!.*${escapeRegex(box.dir)})` }],
    grace: '1s',
    verify: '500ms',
  });

  async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    let code = 0;
    const sink = (f: (s: string) => void) =>
      new Writable({
        write(chunk, _enc, cb) {
          f(String(chunk));
          cb();
        },
      });
    const program = new Command('offload')
      .exitOverride()
      .configureOutput({ writeErr: (s) => (err += s), writeOut: (s) => (out += s) });
    registerModelsCommand(program, {
      loadWatch: async () => createMachineWatch({ models, watch: parseWatchConfig({ gpu: false }) }),
      color: false,
      out: sink((s) => (out += s)),
      err: sink((s) => (err += s)),
      exit: (c) => (code = c),
    });
    for (const c of program.commands) {
      c.exitOverride();
      for (const s of c.commands) s.exitOverride();
    }
    try {
      await program.parseAsync(argv, { from: 'user' });
    } catch {
      code = code || 2;
    }
    return { code, out, err };
  }

  it('lists model servers as a table and as JSON', async () => {
    const o = await box.start('ollama', ['serve'], { env: { FIXTURE_MODELS: 'llama3.2:3b' } });
    const decoy = await box.start('vim', ['ollama']);
    const table = await cli('models');
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/^PID\s+SERVER\s+CPU %\s+RSS\s+GPU MEM\s+PORTS\s+LOADED MODELS$/m);
    expect(table.out).toMatch(
      new RegExp(
        `^${o.pid}\\s+ollama\\s+\\d+\\.\\d\\s+\\d+ MiB\\s+–\\s+${o.info.port}\\s+llama3.2:3b \\(4.6 GiB\\)$`,
        'm',
      ),
    );
    expect(table.out.includes('\u001b[')).toBe(false); // plain when not a TTY
    const json = await cli('models', '--json');
    const list = JSON.parse(json.out) as ModelProcess[];
    expect(list.map((m) => m.pid)).toEqual([o.pid]);
    expect(list[0]!.children.length).toBe(1);
    expect(alive(decoy.pid)).toBe(true);

    expect((await cli('models', 'stop')).code).toBe(2);
    expect((await cli('models', 'stop', '--all', String(o.pid))).code).toBe(2);
    expect((await cli('models', 'stop', 'abc')).code).toBe(2);

    const dry = await cli('models', 'stop', '--all', '--dry-run', '--json');
    expect(dry.code).toBe(0);
    expect((JSON.parse(dry.out) as StopOutcome[]).map((x) => [x.pid, x.result])).toEqual([
      [o.pid, 'would-stop'],
    ]);
    expect(alive(o.pid)).toBe(true);

    const refused = await cli('models', 'stop', String(decoy.pid));
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/refused .*not a local model server/s);
    expect(alive(decoy.pid)).toBe(true);

    const stop = await cli('models', 'stop', String(o.pid));
    expect(stop.code).toBe(0);
    expect(stop.out).toMatch(new RegExp(`^stopped\\s+Ollama \\(pid ${o.pid}\\) freed \\d+ MiB RAM$`, 'm'));
    expect(stop.out).toMatch(/unloaded llama3.2:3b/);
    expect(alive(o.pid)).toBe(false);
    expect(alive(decoy.pid)).toBe(true);
  }, 30_000);
});
