// `offload validate` warns, with file:line:col, about a model matcher that also matches processes that are not
// model servers (a `cmdline: '.*'` matcher would, once trusted, stop shells and an http.server).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeProject, runCli } from '../helpers/cli';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const LOCAL = 'name: demo\nphases:\n  local:\n    steps:\n      - run: "true"\n';

describe('offload validate: model matchers that reach beyond model servers', () => {
  it("warns at the matcher's cmdline with what else it matches, and still validates", async () => {
    const dir = makeProject(`${LOCAL}models:\n  matchers:\n    - name: any\n      cmdline: '.*'\n`);
    dirs.push(dir);
    const r = await runCli(['validate'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('is valid');
    expect(r.stderr).toContain(
      `${path.join(fs.realpathSync(dir), 'offload.yml')}:9:16: models.matchers[0].cmdline: matcher 'any' also matches processes that are not model servers (\`bash\`, \`-bash\`, \`/bin/sh -c make test\`, 13 more)`,
    );
    const json = await runCli(['validate', '--json'], { cwd: dir });
    const parsed = JSON.parse(json.stdout) as { warnings: { line: number; column: number; path: string }[] };
    expect(parsed.warnings.map((w) => [w.line, w.column, w.path])).toEqual([
      [9, 16, 'models.matchers[0].cmdline'],
    ]);
  });

  it('a matcher naming its server gets no warning', async () => {
    const dir = makeProject(
      `${LOCAL}models:\n  matchers:\n    - { name: mine, cmdline: 'my-llm --port 9000' }\n`,
    );
    dirs.push(dir);
    const r = await runCli(['validate'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('⚠');
  });
});
