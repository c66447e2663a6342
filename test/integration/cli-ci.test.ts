// `offload run` on CI platforms, through the real built CLI with the variables each platform sets: GitHub
// Actions' groups, annotations at the step's line, runner masking and the job summary; GitLab's sections;
// a JUnit report. Project text never becomes a workflow command.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli, tempDataDir } from '../helpers/cli';

const PROJECT = `name: ci-demo
secrets: [DEPLOY_TOKEN]
phases:
  local:
    steps:
      - name: Unit tests
        run: |
          echo "3 passed"
          echo "::error::injected by the step"
          echo "text ##[warning]old-style command from the step"
      - name: "Lint: 100%, ::warning::sneaky"
        run: echo "token is $DEPLOY_TOKEN" && exit 3
workflows:
  local: [local]
`;

function github(dir: string) {
  const summary = path.join(tempDataDir(), 'summary.md');
  fs.writeFileSync(summary, '');
  return {
    summary,
    env: {
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      GITHUB_WORKSPACE: dir,
      GITHUB_STEP_SUMMARY: summary,
      DEPLOY_TOKEN: 'tok-0123456789',
    },
  };
}

describe('offload run on GitHub Actions', () => {
  it('groups each step, annotates the failure at its line, registers the secret and writes the summary', async () => {
    const dir = makeProject(PROJECT);
    const gh = github(dir);
    const r = await runCli(['run', 'local', '--data-dir', tempDataDir()], { cwd: dir, env: gh.env });
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    // The secret is registered with the runner before anything else is printed, and never printed raw.
    expect(lines[0]).toBe('::add-mask::tok-0123456789');
    expect(r.stdout.split('tok-0123456789').length).toBe(2);
    const first = lines.indexOf('::group::Local build, tests and dev-system check › Unit tests');
    expect(first).toBeGreaterThan(0);
    // The step's own workflow command stays output: prefixed, never at the start of a line.
    expect(lines).toContain('      │ ::error::injected by the step');
    expect(lines.filter((l) => l.startsWith('::error::'))).toEqual([]);
    const end = lines.indexOf('::endgroup::', first);
    expect(lines.slice(end + 1).find((l) => !l.startsWith('::'))).toMatch(/^ {3}✅ Unit tests/);
    // Everything but Offload's own commands is printed with command processing stopped under a token no
    // step saw (GitHub also reads the old `##[…]` form anywhere in a line).
    const token = /^::stop-commands::([0-9a-f]{32})$/.exec(lines[1] ?? '')?.[1];
    expect(token).toBeDefined();
    let stopped = false;
    for (const l of lines) {
      if (l === `::stop-commands::${token}`) stopped = true;
      else if (l === `::${token}::`) stopped = false;
      else if (!stopped)
        expect(l, 'outside the stopped region: Offload commands only').toMatch(
          /^(::(add-mask|group|endgroup|error) ?|$)/,
        );
    }
    expect(lines.at(-2) === `::${token}::` || lines.at(-1) === `::${token}::`).toBe(true);
    expect(r.stdout).toContain('##[warning]old-style command from the step');
    // Names cannot hold line breaks (the config refuses them); what they can hold is escaped as the toolkit does.
    expect(lines.filter((l) => l.startsWith('::warning'))).toEqual([]);
    expect(lines).toContain(
      '::group::Local build, tests and dev-system check › Lint: 100%25, ::warning::sneaky',
    );
    const error = lines.find((l) => l.startsWith('::error '));
    expect(error).toBe(
      '::error title=offload%3A Lint%3A 100%25%2C %3A%3Awarning%3A%3Asneaky failed,file=offload.yml,line=11,col=9::exit code 3',
    );
    const md = fs.readFileSync(gh.summary, 'utf8');
    expect(md).toMatch(/^### ❌ offload run local — ci-demo/);
    expect(md).toContain('| | Unit tests | ✅ passed |');
    expect(md).toContain('| | Lint: 100%, ::warning::sneaky | ❌ failed |');
    expect(md).toContain('Trust: offload.yml is trusted on this runner');
  });

  it('annotates each config problem at its file, line and column', async () => {
    const dir = makeProject('name: broken\nphases:\n  local:\n    steps:\n      - rn: make test\n');
    const r = await runCli(['validate'], { cwd: dir, env: github(dir).env });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(
      /^::error title=offload.yml,file=offload.yml,line=5,col=9::phases.local.steps\[0\].rn: unknown step kind 'rn'/m,
    );
    expect(r.stderr).toContain('offload.yml:5:9');
  });

  it('says in an annotation that an untrusted project needs `offload trust --yes` as a step', async () => {
    const dir = makeProject(PROJECT);
    const r = await runCli(['run', 'local', '--data-dir', tempDataDir()], {
      cwd: dir,
      env: github(dir).env,
      untrusted: true,
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^::error title=offload%3A project not trusted::.*npx offload trust --yes/m);
  });
});

describe('offload run on GitLab CI and with --junit', () => {
  it('wraps each step in a collapsed section and writes a JUnit report', async () => {
    const dir = makeProject(PROJECT);
    const junit = path.join(tempDataDir(), 'report.xml');
    const r = await runCli(['run', 'local', '--data-dir', tempDataDir(), '--junit', junit], {
      cwd: dir,
      env: { GITLAB_CI: 'true', CI: 'true', DEPLOY_TOKEN: 'tok-0123456789' },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /\x1b\[0Ksection_start:\d+:local_unit-tests\[collapsed=true\]\r\x1b\[0KLocal build, tests and dev-system check › Unit tests/,
    );
    expect(r.stdout).toMatch(/\x1b\[0Ksection_end:\d+:local_unit-tests\r\x1b\[0K/);
    expect(r.stdout).not.toContain('::group::');
    const xml = fs.readFileSync(junit, 'utf8');
    expect(xml).toContain(
      '<testsuite name="Local build, tests and dev-system check" tests="2" failures="1" skipped="0"',
    );
    expect(xml).toMatch(/<testcase classname="ci-demo.local" name="Unit tests" time="\d+\.\d{3}"\/>/);
    expect(xml).toContain('<failure message="exit code 3">exit code 3</failure>');
    expect(xml).not.toContain('tok-0123456789');
  });
});
