// A step that calls a command this machine lacks fails naming that command and how to get it, whichever way
// its output goes (straight to the log, or through the masking pipes when a secret is known).
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemp, harness, makeProject } from '../fixtures/engine/project';

afterAll(() => cleanupTemp());

const config = (secret: boolean) => `name: missing
${secret ? 'secrets: [DEPLOY_TOKEN]\n' : ''}phases:
  local:
    steps:
      - name: Build with SAM
        run: |
          echo "building"
          sam build --use-container
      - name: Dash step
        shell: sh
        run: terraform-offload-absent init
`;

describe('a missing command', () => {
  for (const secret of [false, true]) {
    it(`is named with how to get it (${secret ? 'masked pipes' : 'direct log'})`, async () => {
      const h = harness(makeProject(config(secret)), {
        env: { ...process.env, PATH: '/usr/bin:/bin', DEPLOY_TOKEN: 'tok-123456789' },
      });
      const summary = await h.engine.run('local');
      expect(summary.status).toBe('failed');
      const step = h.history.readRun(summary.runId)?.phases[0]?.steps[0];
      expect(step?.reason).toMatch(
        /^exit code 127: `sam` was not found — install the AWS SAM CLI: https:\/\//,
      );
    });
  }

  it('names it under sh (dash) too, with the generic advice for an unknown tool', async () => {
    const h = harness(
      makeProject(`name: missing
phases:
  local:
    steps:
      - shell: sh
        run: terraform-offload-absent init
`),
    );
    const summary = await h.engine.run('local');
    const step = h.history.readRun(summary.runId)?.phases[0]?.steps[0];
    expect(step?.reason).toBe(
      'exit code 127: `terraform-offload-absent` was not found — install terraform-offload-absent or add the folder that holds it to PATH',
    );
  });
});
