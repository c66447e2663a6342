/**
 * Local log errors are kept, not only notified: an ERROR line that `offload watch` notified from the project's
 * own log file is in `offload journal` and in `offload errors` (beside "No CloudWatch errors"), after the
 * watch has ended.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collect, makeProject, runCli, startCli, tempDataDir, waitFor } from '../helpers/cli';

describe('local log errors in the journal and in `offload errors`', () => {
  it('a notified local error is shown by `offload errors` and `offload journal`', async () => {
    const data = tempDataDir();
    const env = { OFFLOAD_HOME: data, HOME: data };
    const dir = makeProject(
      `name: local-errors
notify: { desktop: false, interval: 1s, local-logs: [{ path: app.log }] }
`,
      { 'app.log': 'INFO started\n' },
    );
    const child = startCli(['watch', '--no-desktop'], { cwd: dir, env });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    try {
      await waitFor(() => out.includes('[gate]'), 20_000, 'the watch to start');
      await new Promise((r) => setTimeout(r, 1500));
      fs.appendFileSync(path.join(dir, 'app.log'), 'ERROR database connection refused\n');
      await waitFor(() => out.includes('New error in app.log'), 20_000, 'the local error notice').catch(
        (e) => {
          throw new Error(`${(e as Error).message}; output:\n${out}`);
        },
      );
    } finally {
      child.kill('SIGINT');
    }
    await collect(child);

    const errors = await runCli(['errors'], { cwd: dir, env });
    expect(errors.code).toBe(0);
    expect(errors.stdout).toMatch(/### Local log errors\n- \S+ \*\*New error in app\.log\*\*\n/);
    expect(errors.stdout).toContain('ERROR database connection refused');
    const lines = JSON.parse((await runCli(['journal', '--json'], { cwd: dir, env })).stdout) as {
      kind: string;
      text: string;
    }[];
    expect(lines.filter((l) => l.kind === 'local-errors').map((l) => l.text)).toEqual([
      expect.stringMatching(
        /^New error in app\.log: 1 new error in the local log app\.log — first: ERROR database connection refused$/,
      ),
    ]);
  }, 60_000);
});
