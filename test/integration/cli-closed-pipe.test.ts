/**
 * `offload run full | head -2`: the reader goes away while steps still run. The run ends there (recorded as
 * interrupted), so the command must not exit 0 as if it had passed: it exits 141, a shell's code for a
 * command ended by a closed pipe. A command that had finished keeps its own exit code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli, startCli, tempDataDir } from '../helpers/cli';

const YAML = `name: pipe
phases:
  local:
    steps:
      - name: Prints then works
        run: echo first; sleep 1; echo second; sleep 1; touch done
`;

describe('a reader that goes away', () => {
  it('during `offload run`: exit 141, not 0, and the run is not reported passed', async () => {
    const dir = makeProject(YAML);
    const data = tempDataDir();
    const child = startCli(['run', 'local', '--data-dir', data], { cwd: dir });
    child.stderr?.resume();
    // Like `| head -1`: read the first chunk, then close the pipe.
    child.stdout?.once('data', () => child.stdout?.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(141);
    const history = await runCli(['history', '--json', '--data-dir', data], { cwd: dir });
    expect(history.stdout).not.toMatch(/"status": "passed"/);
    // the step ends with Offload, also when Offload ended before the step's supervisor had been told of it:
    // past the step's own 2 s, it has not finished its work
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(fs.existsSync(path.join(dir, 'done'))).toBe(false);
  }, 20_000);
});
