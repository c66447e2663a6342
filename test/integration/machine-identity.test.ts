// Issue 9, item 8: model processes are matched by what they run (the executable), never by a title they set
// for themselves, and their command lines are shown with credentials redacted. Real processes, /proc.
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { createMachineWatch, parseModelsConfig, parseWatchConfig } from '../../main/core/machine';
import { exeIdentityHolds } from '../../main/core/machine/catalogue';
import { findModelServers } from '../../main/core/machine/models';
import { redactArgv, redactedCommandLine } from '../../main/core/machine/redact';
import { createProcessReader } from '../../main/core/platform/proc-reader';
import { alive, escapeRegex, fixtureSandbox } from './machine-helpers';

describe('redaction', () => {
  it('credential flags, assignments and URL passwords become ***; other arguments stay', () => {
    const argv = [
      '/opt/llama-server',
      '--api-key',
      'sk-live-1',
      '--api-key=sk-live-2',
      '--hf-token',
      'hf_abc',
      '--token=t0k',
      'OPENAI_API_KEY=sk-live-3',
      'HF_TOKEN=hf_def',
      'AWS_SECRET_ACCESS_KEY=wJalr',
      '--model-url',
      'https://bob:hunter2@models.example.com/x.gguf',
      '--max-tokens',
      '512',
      '--tokenizer',
      'tok.json',
      '--port',
      '8080',
    ];
    const shown = redactedCommandLine(argv);
    for (const secret of [
      'sk-live-1',
      'sk-live-2',
      'hf_abc',
      't0k',
      'sk-live-3',
      'hf_def',
      'wJalr',
      'hunter2',
    ])
      expect(shown).not.toContain(secret);
    expect(shown).toBe(
      '/opt/llama-server --api-key *** --api-key=*** --hf-token *** --token=*** OPENAI_API_KEY=*** HF_TOKEN=*** ' +
        'AWS_SECRET_ACCESS_KEY=*** --model-url https://bob:***@models.example.com/x.gguf --max-tokens 512 ' +
        '--tokenizer tok.json --port 8080',
    );
    expect(redactArgv(['--api-key', '--verbose'])).toEqual(['--api-key', '--verbose']);
  });
});

describe.runIf(process.platform === 'linux')('model processes, real', () => {
  const box = fixtureSandbox('offload-identity-');
  afterAll(() => box.cleanup());
  const models = parseModelsConfig({
    exclude: [{ cmdline: `^(?!.*${escapeRegex(box.dir)})` }],
    grace: '1s',
    verify: '500ms',
  });

  it('a real llama-server started with --api-key: listed, its key never in the snapshot or JSON', async () => {
    const s = await box.start('llama-server', [
      '--port',
      '0',
      '--api-key',
      'sk-live-SECRET1',
      '--hf-token=hf_SECRET2',
    ]);
    const watch = createMachineWatch({ models, watch: parseWatchConfig({ gpu: false }) });
    try {
      const list = await watch.refreshModels();
      const m = list.find((x) => x.pid === s.pid);
      expect(m, JSON.stringify(list)).toBeDefined();
      expect(m!.server).toBe('llama.cpp');
      expect(m!.cmdline).toContain('--api-key ***');
      expect(m!.cmdline).toContain('--hf-token=***');
      expect(JSON.stringify(list)).not.toMatch(/SECRET1|SECRET2/);
    } finally {
      watch.stop();
    }
  });

  it('a process whose title claims llama-server but whose executable is sleep is not a model server', async () => {
    const fake = `${box.dir}/llama.cpp/llama-server`;
    // bash's exec -a sets argv[0]: the title says llama-server, /proc/<pid>/exe says sleep.
    const child = spawn('bash', ['-c', `exec -a ${fake} sleep 30`], { stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    const real = await box.start('llama-server', ['--port', '0']);
    const reader = createProcessReader();
    try {
      let procs = await reader.scan();
      for (let i = 0; i < 50 && procs.find((p) => p.pid === child.pid)?.argv[0] !== fake; i++) {
        await new Promise((r) => setTimeout(r, 50));
        procs = await reader.scan();
      }
      const p = procs.find((x) => x.pid === child.pid)!;
      expect(p.argv[0]).toBe(fake);
      expect(p.exe).toMatch(/\/sleep$/);
      expect(exeIdentityHolds(p.argv, p.exe)).toBe(false);
      const found = findModelServers(procs, models).map((f) => f.proc.pid);
      expect(found).not.toContain(child.pid);
      expect(found).toContain(real.pid); // the real one (node running the llama-server script) is
      // Without the executable (another user's process), the title alone would have matched: the check matters.
      expect(findModelServers([{ ...p, exe: undefined }], models).map((f) => f.proc.pid)).toEqual([
        child.pid,
      ]);
    } finally {
      reader.close();
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    expect(alive(child.pid!)).toBe(false);
  });
});
