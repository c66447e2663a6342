// The engine runs no step whose kind may not be in its phase, even in a config the loader did not check (one
// built or changed by hand): the step fails with the loader's words before its kind is called.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { loadConfig } from '../../main/core/config';
import { HistoryStore } from '../../main/core/history';
import { Engine } from '../../main/core/workflow/engine';
import { runStep } from '../../main/core/workflow/steps/run';
import type { StepKind } from '../../main/core/workflow/types';
import { cleanupTemp, makeProject, tempDir } from '../fixtures/engine/project';

afterAll(cleanupTemp);

/** A shutdown-only kind that leaves a file where it ran. */
const shutdownOnly: StepKind<string> = {
  key: 'leave-mark',
  phases: ['shutdown'],
  schema: { type: 'string' },
  describe: (s) => `leave-mark: ${s.spec}`,
  async execute(ctx, step) {
    fs.writeFileSync(path.join(ctx.projectDir, step.spec), 'ran');
    return { status: 'passed' };
  },
};

it('a step moved into a phase its kind may not be in fails there without running', async () => {
  const dir = makeProject(
    'name: kind-phase\nphases:\n  local:\n    steps:\n      - run: "true"\n  shutdown:\n    steps:\n      - { id: mark, leave-mark: marked }\n',
  );
  const kinds = [runStep, shutdownOnly] as unknown as StepKind<never>[];
  const config = loadConfig(path.join(dir, 'offload.yml'), { stepKinds: kinds, sections: {} });
  // what the loader would refuse, made after it: the shutdown step moved into local
  config.phases.local.steps.push(...config.phases.shutdown.steps.splice(0));
  const history = new HistoryStore({ dataDir: tempDir('data'), project: { name: config.name, dir } });
  const engine = new Engine({ config, history, stepKinds: kinds, env: { ...process.env } });
  const run = await engine.run('local');
  expect(run.status).toBe('failed');
  const step = history.readRun(run.runId)?.phases[0]?.steps.find((s) => s.id === 'mark');
  expect(step?.status).toBe('failed');
  expect(step?.reason).toMatch(
    /^step kind 'leave-mark' is not allowed in phase local: leave-mark may only be used in shutdown\./,
  );
  expect(fs.existsSync(path.join(dir, 'marked'))).toBe(false);
});
