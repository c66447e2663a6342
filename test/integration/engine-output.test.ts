// Step output end to end: with nothing to mask, a run step's stdout and stderr are its log file (no pipe, no
// copy through JavaScript) and the engine reads the file back for the live tail and listeners; with a secret
// known, output goes through pipes and masking first. Real shells, real files. (Node's stdio pipes are socket
// pairs, so the steps test `-f /dev/stdout`: a regular file or not.)
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { EngineEvent, StepOutputEvent } from '../../main/core/workflow/types';
import { cleanupTemp, harness, makeProject, readAll, waitFor } from '../fixtures/engine/project';

afterAll(() => cleanupTemp());

const project = (run: string, extra = '') =>
  makeProject(`name: out
${extra}phases:
  local:
    steps:
      - id: first
        name: First
        run: |
${run
  .split('\n')
  .map((l) => `          ${l}`)
  .join('\n')}
      - id: second
        name: Second
        run: echo "second says dyn-4Kq9-value"
workflows:
  w: [local]
`);

const liveText = (events: EngineEvent[], step: string) =>
  events
    .filter((e): e is StepOutputEvent => e.type === 'output' && e.step === step)
    .map((e) => e.text)
    .join('');

describe('step output', () => {
  it('with nothing to mask: stdout and stderr are the log file itself, shown live from it', async () => {
    const dir = project(`if [ -f /dev/stdout ]; then echo "stdout is a file"; else echo "stdout is a pipe"; fi
echo "to stderr" >&2
printf 'no newline at the end'`);
    const h = harness(dir, { env: { PATH: process.env.PATH ?? '' } });
    const s = await h.engine.run('w');
    expect(s.status).toBe('passed');
    const log = fs.readFileSync(h.history.stepLogPath(s.runId, 'local', 'first'), 'utf8');
    expect(log).toMatch(/^\[offload\] First: run: /);
    expect(log).toContain('stdout is a file\nto stderr\nno newline at the end');
    const live = liveText(h.events, 'first');
    expect(live).toContain('stdout is a file\nto stderr\nno newline at the end');
  });

  it('with a secret known: output goes through pipes and is masked before it is written', async () => {
    const dir = project(
      `if [ -f /dev/stdout ]; then echo "stdout is a file"; else echo "stdout is a pipe"; fi
echo "token=$API_TOKEN"`,
      'secrets: [API_TOKEN]\n',
    );
    const h = harness(dir, { env: { PATH: process.env.PATH ?? '', API_TOKEN: 'tok-Zx81-secret' } });
    const s = await h.engine.run('w');
    expect(s.status).toBe('passed');
    const log = fs.readFileSync(h.history.stepLogPath(s.runId, 'local', 'first'), 'utf8');
    expect(log).toContain('stdout is a pipe\ntoken=***\n');
  });

  it('::add-mask:: printed by a step writing its log directly: hidden live, in later steps, and in the log', async () => {
    const dir = project(`if [ -f /dev/stdout ]; then echo "stdout is file"; fi
echo "before dyn-4Kq9-value"
echo "::add-mask::dyn-4Kq9-value"
echo "after dyn-4Kq9-value"
echo "out=dyn-4Kq9-value" >> "$OFFLOAD_OUTPUT"`);
    const h = harness(dir, { env: { PATH: process.env.PATH ?? '' } });
    const s = await h.engine.run('w');
    expect(s.status).toBe('passed');
    const first = fs.readFileSync(h.history.stepLogPath(s.runId, 'local', 'first'), 'utf8');
    expect(first).toContain('stdout is file\n'); // it did take the direct way
    expect(first).toContain('before ***\n::add-mask::***\nafter ***\n');
    const second = fs.readFileSync(h.history.stepLogPath(s.runId, 'local', 'second'), 'utf8');
    expect(second).toContain('second says ***');
    expect(liveText(h.events, 'first')).toContain('after ***');
    for (const f of readAll(h.dataDir)) expect(f.text, f.file).not.toContain('dyn-4Kq9-value');
    expect(JSON.stringify(h.events)).not.toContain('dyn-4Kq9-value');
  });

  for (const [way, extra, env] of [
    ['straight to the log file', '', {}],
    ['through masking pipes', 'secrets: [API_TOKEN]\n', { API_TOKEN: 'tok-Zx81-secret' }],
  ] as const) {
    it(`a last line without a newline is in the live tail while the step runs (${way})`, async () => {
      const dir = project(
        `printf 'line one\\n{"ok":true}'
sleep 30`,
        extra,
      );
      const h = harness(dir, { env: { PATH: process.env.PATH ?? '', ...env } });
      const running = h.engine.run('w');
      const tail = await waitFor(
        () => {
          const t = h.engine.current()?.tail ?? [];
          return t.includes('{"ok":true}') ? t : undefined;
        },
        10_000,
        'the unfinished line in the tail',
      );
      expect(tail.slice(-2)).toEqual(['line one', '{"ok":true}']);
      expect(h.engine.current()?.phases[0]?.steps[0]?.status).toBe('running');
      h.engine.cancel();
      expect((await running).status).toBe('cancelled');
    });
  }
});
