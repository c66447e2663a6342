// A step kind's ctx.log lines stay lines in the step log, whether or not the kind ended them.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { loadConfig } from '../../main/core/config';
import { HistoryStore } from '../../main/core/history';
import { Engine } from '../../main/core/workflow/engine';
import type { StepKind } from '../../main/core/workflow/types';
import { cleanupTemp, makeProject, tempDir } from '../fixtures/engine/project';

afterAll(cleanupTemp);

const events: StepKind<string> = {
  key: 'events',
  phases: ['local'],
  schema: { type: 'string' },
  describe: (s) => `events: ${s.spec}`,
  async execute(ctx) {
    ctx.log('09:55:44 queue CREATE_IN_PROGRESS', 'info');
    ctx.log('09:55:45 queue CREATE_COMPLETE', 'info');
    ctx.log('already ended\n', 'info');
    return { status: 'passed', summary: 'ok' };
  },
};

it('each ctx.log call is its own line', async () => {
  const dir = makeProject('name: kind-log\nphases:\n  local:\n    steps:\n      - { id: ev, events: go }\n');
  const kinds = [events] as unknown as StepKind<never>[];
  const config = loadConfig(path.join(dir, 'offload.yml'), { stepKinds: kinds, sections: {} });
  const history = new HistoryStore({ dataDir: tempDir('data'), project: { name: config.name, dir } });
  const engine = new Engine({ config, history, stepKinds: kinds, env: { ...process.env } });
  const run = await engine.run('local');
  expect(run.status).toBe('passed');
  const log = fs.readFileSync(history.stepLogPath(run.runId, 'local', 'ev'), 'utf8');
  expect(log).toContain('09:55:44 queue CREATE_IN_PROGRESS\n09:55:45 queue CREATE_COMPLETE\nalready ended\n');
});
