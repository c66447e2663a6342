// validate ≡ run: each step kind's own spec checks (StepKind.check) run at `offload validate` with
// file:line:column, and the step itself fails with the same words when the value only arrives at run time.
import { describe, expect, it } from 'vitest';
import { makeProject, runCli, tempDataDir } from '../helpers/cli';

describe('validate runs the checks a step makes before it starts', () => {
  it('refuses what the steps would refuse, at the value', async () => {
    const dir = makeProject(`name: parity
phases:
  local:
    steps:
      - tcp: "localhost:99999"
      - tcp: { host: localhost, port: 5432, timeout: 5s }
  aws-test:
    steps:
      - cloudwatch-alarms-ok:
`);
    const r = await runCli(['validate'], { cwd: dir, untrusted: true });
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('error'));
    expect(lines).toEqual([
      expect.stringMatching(
        /offload\.yml:5:14: phases\.local\.steps\[0\]\.tcp: port 99999 in "localhost:99999" is out of range 1-65535$/,
      ),
      expect.stringMatching(
        /offload\.yml:9:9: phases\.aws-test\.steps\[0\]\.cloudwatch-alarms-ok: no alarms to check: give names or prefixes, or configure gate\.alarms$/,
      ),
    ]);
  });

  it('leaves values that come from earlier steps to the run, which says the same', async () => {
    const dir = makeProject(`name: parity
phases:
  local:
    steps:
      - id: addr
        run: echo "value=ftp://example.com/health" >> "$OFFLOAD_OUTPUT"
      - http: { url: "\${{ steps.addr.outputs.value }}" }
`);
    const data = tempDataDir();
    const v = await runCli(['validate'], { cwd: dir });
    expect(v.code).toBe(0);
    const r = await runCli(['run', 'local', '--data-dir', data], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('invalid URL "ftp://example.com/health": expected http:// or https://');
  });
});
