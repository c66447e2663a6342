import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  findConfig,
  loadConfig,
  stepRunsBefore,
  type ConfigProblem,
} from '../../main/core/config';
import { PHASES, PHASE_TITLES } from '../../main/core/workflow/types';
import { TEST_OPTS } from '../fixtures/configs/kinds';
import { CONFIG_SECTIONS, STEP_KINDS } from '../../main/core/registry';
import { refusedConfigs } from '../fixtures/hostile/configs';

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-config-load-'));
afterAll(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));
let counter = 0;

/** Writes `text` to a fresh project folder's offload.yml and returns its path. */
function writeConfig(text: string | Buffer, name = 'offload.yml'): string {
  const dir = path.join(tmpRoot, `p${++counter}`);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** Loads text that must be invalid; returns its problems (and checks the thrown error's shape). */
function problemsOf(text: string | Buffer): ConfigProblem[] {
  const file = writeConfig(text);
  try {
    loadConfig(file, TEST_OPTS);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    for (const p of problems) {
      expect(p.file).toBe(file);
      expect((err as ConfigError).message).toContain(
        `${file}:${p.line}:${p.column}: ${p.path ? p.path + ': ' : ''}`,
      );
    }
    return problems;
  }
  throw new Error('expected a ConfigError');
}

/** `line:col path: message` lines, easy to compare. */
const lines = (ps: ConfigProblem[]) => ps.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);

function expectProblem(
  ps: ConfigProblem[],
  line: number,
  column: number,
  pathStr: string,
  message: RegExp,
): void {
  const hit =
    ps.find((p) => p.line === line && p.column === column && p.path === pathStr && message.test(p.message)) ??
    ps.find((p) => p.line === line && p.column === column && p.path === pathStr);
  expect(hit, `no problem at ${line}:${column} ${pathStr}; got:\n${lines(ps).join('\n')}`).toBeDefined();
  expect(hit?.message).toMatch(message);
}

const LOCAL = `phases:
  local:
    steps:
      - run: make
`;

describe('loadConfig: a valid multi-phase config', () => {
  const fixture = path.join(__dirname, '../fixtures/configs/full.yml');
  const file = writeConfig(fs.readFileSync(fixture, 'utf8'));
  const config = loadConfig(file, TEST_OPTS);

  it('fills every field of OffloadConfig', () => {
    expect(config.file).toBe(file);
    expect(config.dir).toBe(path.dirname(file));
    expect(config.hash).toBe(createHash('sha256').update(fs.readFileSync(file)).digest('hex'));
    expect(config.name).toBe('inference-api');
    expect(config.env).toEqual({ NODE_ENV: 'test', WORKERS: '4' });
    expect(config.secrets).toEqual(['DB_PASSWORD']);
    expect(config.history).toEqual({ keep: 20, maxBytes: 1024 ** 3 });
    expect(config.sections).toEqual({ aws: { region: 'eu-west-1' }, models: { ollama: true } });
    expect(Object.keys(config.phases)).toEqual([...PHASES]);
    for (const id of PHASES) expect(config.phases[id]).toMatchObject({ id, title: PHASE_TITLES[id] });
    expect(config.phases.monitor.steps).toEqual([]);
  });

  it('parses the common step keys and the kind', () => {
    const [build, unit, api, db] = config.phases.local.steps;
    expect(build).toMatchObject({
      id: 'build',
      name: 'Build',
      kind: 'run',
      spec: 'npm run build',
      retries: 0,
    });
    expect(build?.timeoutMs).toBeUndefined();
    expect(build?.pos).toEqual({ file, line: 8, column: 9 });
    expect(unit).toMatchObject({
      id: 'unit',
      name: 'Unit tests',
      kind: 'run',
      spec: 'npm test',
      extra: { shell: 'bash' },
      env: { CI: '1' },
      cwd: 'services/api',
      timeoutMs: 600_000,
      retries: 1,
      continueOnError: false,
    });
    expect(api).toMatchObject({
      id: 'api-answers',
      kind: 'http',
      spec: { url: 'http://127.0.0.1:8080/health', status: 200, body: 'ok' },
      extra: {},
      retries: 5,
      retryDelayMs: 2000,
    });
    expect(db).toMatchObject({
      id: 'database-reachable',
      kind: 'tcp',
      spec: '127.0.0.1:5432',
      continueOnError: true,
    });
    expect(config.phases['aws-prepare'].steps[0]).toMatchObject({ id: 'image', timeoutMs: 90_000 });
    // No name: derived from the kind and its value.
    expect(config.phases['aws-prepare'].steps[0]?.name).toBe('run: ./scripts/push-image.sh');
    expect(config.phases['aws-deploy'].steps[0]).toMatchObject({
      kind: 'ecs-deploy',
      id: 'ecs-deploy-prod',
      spec: { image: '${{ steps.image.outputs.image }}' },
    });
  });

  it('keeps ids unique: a second "Build" gets a suffix', () => {
    expect(config.phases.shutdown.steps[0]?.id).toBe('build-2');
  });

  it('merges user workflows over the defaults', () => {
    expect(config.workflows).toEqual({
      local: ['local'],
      full: [...PHASES],
      services: ['local', 'aws-deploy', 'aws-test'],
      infrastructure: ['local', 'aws-prepare'],
      test: ['aws-test', 'monitor'],
      shutdown: ['shutdown'],
      nightly: ['local', 'aws-test'],
    });
  });

  it('orders steps by the rule (stepRunsBefore)', () => {
    expect(stepRunsBefore(config, 'image', 'ecs-deploy-prod')).toBe(true);
    expect(stepRunsBefore(config, 'build', 'unit')).toBe(true);
    expect(stepRunsBefore(config, 'unit', 'build')).toBe(false);
    expect(stepRunsBefore(config, 'unit', 'unit')).toBe(false);
    expect(stepRunsBefore(config, 'nope', 'unit')).toBe(false);
  });
});

describe('loadConfig: defaults', () => {
  it('a config with only a name has six empty phases, the default workflows and history limits', () => {
    const config = loadConfig(writeConfig('name: tiny\n'), TEST_OPTS);
    expect(PHASES.map((p) => config.phases[p].steps.length)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(config.workflows).toEqual({
      local: ['local'],
      full: ['local', 'aws-prepare', 'aws-deploy', 'aws-test', 'shutdown', 'monitor'],
      services: ['local', 'aws-deploy', 'aws-test'],
      infrastructure: ['local', 'aws-prepare'],
      test: ['aws-test'],
      shutdown: ['shutdown'],
    });
    expect(config.history).toEqual({ keep: 50, maxBytes: 200 * 1024 * 1024 });
    expect(config.env).toEqual({});
    expect(config.secrets).toEqual([]);
    expect(config.sections).toEqual({});
  });

  it('the name defaults to the folder name; a null phase has no steps; retry-delay defaults to 1s', () => {
    const file = writeConfig(`${LOCAL}  monitor:\nhistory: { max-size: 1048576 }\n`);
    const config = loadConfig(file, TEST_OPTS);
    expect(config.name).toBe(path.basename(path.dirname(file)));
    expect(config.phases.monitor.steps).toEqual([]);
    expect(config.phases.local.steps[0]).toMatchObject({
      id: 'run-make',
      name: 'run: make',
      retryDelayMs: 1000,
    });
    expect(config.history.maxBytes).toBe(1048576);
  });

  it('accepts offload.yaml, anchors and merge keys', () => {
    const ok = writeConfig(
      `name: anchors
phases:
  local:
    steps:
      - &base
        run: make
        timeout: 1m
        retries: 2
      - <<: *base
        name: again
`,
      'offload.yaml',
    );
    const config = loadConfig(ok, TEST_OPTS);
    expect(config.phases.local.steps[1]).toMatchObject({
      name: 'again',
      kind: 'run',
      timeoutMs: 60_000,
      retries: 2,
    });
  });
});

describe('loadConfig: every problem with file:line:col, key path and what was expected', () => {
  it('YAML syntax errors', () => {
    const ps = problemsOf('name: x\n\tenv: 1\n');
    expectProblem(ps, 2, 1, '', /YAML syntax error: Tabs are not allowed as indentation/);
    const dup = problemsOf('name: x\nenv: {}\nname: y\n');
    expectProblem(dup, 3, 1, '', /YAML syntax error: Map keys must be unique/);
    const unclosed = problemsOf('name: x\nphases: {local: {steps: [}\n');
    expect(unclosed.length).toBeGreaterThanOrEqual(1);
    expectProblem(unclosed, 2, 26, '', /Flow sequence .* end with a \]/);
  });

  it('an unreadable or empty file', () => {
    // A file that is not there has no line or column: the message says so and how to create one.
    expect(() => loadConfig(path.join(tmpRoot, 'missing.yml'), TEST_OPTS)).toThrow(
      new RegExp(`^${path.join(tmpRoot, 'missing.yml')}: does not exist; create it with \`offload init\``),
    );
    expectProblem(problemsOf(''), 1, 1, '', /empty/);
    expectProblem(problemsOf('- a\n- b\n'), 1, 1, '', /expected a mapping, got a list/);
  });

  it('unknown keys point at the key', () => {
    const ps = problemsOf(`name: x
bogus: 1
history:
  keepp: 3
${LOCAL}      - run: make test
        tiemout: 5m
`);
    expectProblem(
      ps,
      2,
      1,
      'bogus',
      /unknown key 'bogus'; expected one of: name, env, secrets, phases, workflows, history, aws, models/,
    );
    expectProblem(
      ps,
      4,
      3,
      'history.keepp',
      /unknown key 'keepp' \(did you mean 'keep'\?\); expected one of: keep, max-size/,
    );
    expectProblem(
      ps,
      10,
      9,
      'phases.local.steps[1].tiemout',
      /unknown key 'tiemout' in a step \(did you mean 'timeout'\?\); expected one of: id, name, env, cwd, timeout.*shell/,
    );
    expect(ps).toHaveLength(3);
  });

  it('wrong types point at the value', () => {
    const ps = problemsOf(`name: [a]
env: [A]
${LOCAL}        retries: "3"
        continue-on-error: yes please
      - http: { url: 8080 }
      - tcp: 5432
aws: { region: 1 }
`);
    expectProblem(ps, 1, 7, 'name', /expected a string, got a list/);
    expectProblem(ps, 2, 6, 'env', /expected a mapping, got a list/);
    expectProblem(ps, 7, 18, 'phases.local.steps[0].retries', /expected an integer, got a string \("3"\)/);
    expectProblem(ps, 8, 28, 'phases.local.steps[0].continue-on-error', /expected true or false/);
    expectProblem(ps, 9, 22, 'phases.local.steps[1].http.url', /expected a string, got the integer 8080/);
    expectProblem(
      ps,
      10,
      14,
      'phases.local.steps[2].tcp',
      /expected host:port, or a mapping with host, port; got the integer 5432/,
    );
    expectProblem(ps, 11, 16, 'aws.region', /expected a string, got the integer 1/);
  });

  it('unknown step kinds: no kind key, an unknown one, two kind keys, a kind-only key on another kind', () => {
    const ps = problemsOf(`name: x
phases:
  local:
    steps:
      - name: Nothing to do
        timeout: 1m
      - name: Deploy
        deploy: prod
      - name: Two things
        run: make
        http: { url: "http://x" }
      - name: Probe
        tcp: "db:5432"
        shell: bash
`);
    expectProblem(
      ps,
      5,
      9,
      'phases.local.steps[0]',
      /step has no kind: expected exactly one kind key \(run, http, tcp, ecs-deploy\)/,
    );
    expectProblem(
      ps,
      8,
      9,
      'phases.local.steps[1].deploy',
      /unknown step kind 'deploy'; a step needs exactly one kind key: run, http, tcp, ecs-deploy/,
    );
    expectProblem(ps, 11, 9, 'phases.local.steps[2].http', /more than one kind key \(run, http\)/);
    expectProblem(
      ps,
      14,
      9,
      'phases.local.steps[3].shell',
      /'shell' is only allowed in run steps, not in a tcp step/,
    );
    expect(ps).toHaveLength(4);
  });

  it('unknown phases, in phases and in workflows', () => {
    const ps = problemsOf(`name: x
${LOCAL}  deploy:
    steps: []
workflows:
  ship: [local, deploy]
`);
    expectProblem(
      ps,
      6,
      3,
      'phases.deploy',
      /unknown phase 'deploy'; the phases are: local, aws-prepare, aws-deploy, aws-test, shutdown, monitor/,
    );
    expectProblem(
      ps,
      9,
      17,
      'workflows.ship[1]',
      /unknown phase "deploy"; the phases are: local, aws-prepare/,
    );
    const typo = problemsOf('name: x\nphases:\n  lokal: { steps: [] }\n');
    expect(lines(typo)).toEqual([
      "3:3 phases.lokal: unknown phase 'lokal' (did you mean 'local'?); the phases are: local, aws-prepare, aws-deploy, aws-test, shutdown, monitor",
    ]);
  });

  it('bad interpolation: syntax, unknown context, later or unknown step, unknown secret', () => {
    const ps = problemsOf(`name: x
secrets: [DB_PASSWORD]
env:
  A: "\${{ steps.build.outputs.x }}"
phases:
  local:
    steps:
      - id: build
        run: echo \${{ env.A + 1 }} \${{ github.sha }}
      - run: "echo \${{ steps.later.outputs.v }}"
        env: { P: "\${{ secrets.DB_PASS }}", Q: "\${{ secrets.DB_PASSWORD }}\${{ secrets.AWS_SECRET_ACCESS_KEY }}" }
      - id: later
        run: echo \${{ steps.nope.outputs.v }} \${{ steps.later.outputs.v }} \${{ project.version }}
      - run: "ok \${{ steps.build.outputs.x }} \${{ env.HOME"
`);
    expectProblem(ps, 4, 7, 'env.A', /step outputs can only be used inside a step/);
    expectProblem(ps, 9, 19, 'phases.local.steps[0].run', /bad expression 'env.A \+ 1'/);
    expectProblem(
      ps,
      9,
      36,
      'phases.local.steps[0].run',
      /unknown context 'github' in 'github.sha': expected env, secrets, steps, project or run/,
    );
    expectProblem(
      ps,
      10,
      20,
      'phases.local.steps[1].run',
      /step 'later' \(phase local, step 3\) does not run before this step/,
    );
    expectProblem(
      ps,
      11,
      20,
      'phases.local.steps[1].env.P',
      /unknown secret 'DB_PASS': list it under `secrets:`/,
    );
    expectProblem(ps, 13, 19, 'phases.local.steps[2].run', /no step has id 'nope'/);
    expectProblem(ps, 13, 47, 'phases.local.steps[2].run', /a step cannot use its own outputs/);
    expectProblem(ps, 13, 76, 'phases.local.steps[2].run', /expected project.name or project.dir/);
    expectProblem(ps, 14, 47, 'phases.local.steps[3].run', /unclosed '\$\{\{': expected '\}\}'/);
    // The declared secret, an always-secret AWS name and an earlier step's output are fine.
    expect(ps).toHaveLength(9);
  });

  it('duplicate step ids (across phases)', () => {
    const ps = problemsOf(`name: x
phases:
  local:
    steps:
      - id: build
        run: make
  aws-prepare:
    steps:
      - id: build
        run: make push
  aws-test:
    steps:
      - run: e2e
`);
    expectProblem(
      ps,
      9,
      13,
      'phases.aws-prepare.steps[0].id',
      /duplicate step id 'build' \(already used at line 5, column 13\)/,
    );
    expect(ps).toHaveLength(1);
  });

  it('bad durations and sizes', () => {
    const ps = problemsOf(`name: x
${LOCAL}        timeout: 5 minutes
        retry-delay: -1
history: { max-size: 12XB }
`);
    expectProblem(
      ps,
      6,
      18,
      'phases.local.steps[0].timeout',
      /expected a duration like "30s", "5m", "1h", "1h30m" or a number of seconds, got a string \("5 minutes"\)/,
    );
    expectProblem(ps, 7, 22, 'phases.local.steps[0].retry-delay', /must be >= 0/);
    expectProblem(ps, 8, 22, 'history.max-size', /expected a size like "200MB", "1GB" or a number of bytes/);
  });

  it('entry point names are plain words: no quotes, spaces, newlines or ${{ }} (they reach CI files and shells)', () => {
    const ps = problemsOf(`name: x
${LOCAL}workflows:
  "x\\n    pre_build: [curl evil]": [local]
  "a' || secrets.KEY || '": [local]
  ship-it_2.0: [local]
`);
    expectProblem(
      ps,
      7,
      3,
      'workflows["x\\n    pre_build: [curl evil]"]',
      /entry point name .* letters, digits/,
    );
    expectProblem(ps, 8, 3, `workflows["a' || secrets.KEY || '"]`, /entry point name .* letters, digits/);
    expect(ps).toHaveLength(2);
  });

  it('workflow rules: rule order, aws-test after aws-deploy, local steps before any AWS phase', () => {
    const ps = problemsOf(`name: x
${LOCAL}workflows:
  backwards: [aws-deploy, local, aws-test]
  untested: [local, aws-deploy]
  twice: [local, local]
`);
    expectProblem(
      ps,
      7,
      27,
      'workflows.backwards[1]',
      /phase 'local' is out of the rule's order \(it is listed after 'aws-deploy'\); phases run in this order: local → aws-prepare/,
    );
    expectProblem(
      ps,
      8,
      21,
      'workflows.untested[1]',
      /workflow 'untested' deploys to AWS \(aws-deploy\) without aws-test after it/,
    );
    expectProblem(ps, 9, 18, 'workflows.twice[1]', /"local" is listed twice/);
    expect(ps).toHaveLength(3);

    const noLocal = problemsOf(`name: x
phases:
  aws-deploy:
    steps:
      - run: deploy
workflows:
  ship: [aws-prepare]
`);
    expectProblem(
      noLocal,
      7,
      10,
      'workflows.ship[0]',
      /workflow 'ship' runs aws-prepare but phases.local has no steps/,
    );
    expectProblem(
      noLocal,
      3,
      3,
      'phases.aws-deploy',
      /phases.aws-deploy has steps but phases.local has none/,
    );
    expectProblem(
      noLocal,
      3,
      3,
      'phases.aws-deploy',
      /^has steps but phases.aws-test has none; AWS testing must follow every change to AWS \(a deployment\)/,
    );
    expect(noLocal).toHaveLength(3);
  });

  it("a declared secret whose value is written in offload.yml's env is warned about at the value", () => {
    const config = loadConfig(
      writeConfig(
        `name: x\nsecrets: [API_KEY, FROM_ENV]\nenv:\n  API_KEY: s3cr3tvalue42\n  FROM_ENV: \${{ env.SHELL_KEY }}\n${LOCAL}`,
      ),
      TEST_OPTS,
    );
    expect(lines(config.warnings ?? [])).toEqual([
      '4:12 env.API_KEY: API_KEY is declared a secret but its value is written here, in the repository: set it in the environment (or a CI secret) instead; Offload masks it in output either way',
    ]);
  });

  it('gate.policy auto with a gate that checks nothing is warned about at the policy', () => {
    const real = { stepKinds: STEP_KINDS, sections: CONFIG_SECTIONS };
    const config = loadConfig(writeConfig(`name: x\n${LOCAL}gate:\n  policy: auto\n`), real);
    expect(lines(config.warnings ?? [])).toEqual([
      '7:11 gate.policy: policy auto acts when the gate opens, but the gate checks nothing (no services, endpoints or alarms), so AWS is never ready and nothing is done: add gate.endpoints, gate.services or gate.alarms',
    ]);
    const checked = loadConfig(
      writeConfig(
        `name: x\n${LOCAL}gate:\n  policy: auto\n  endpoints: [{ name: api, url: "https://api.example.com/health" }]\n`,
      ),
      real,
    );
    expect(checked.warnings ?? []).toEqual([]);
  });

  it('an alias to an anchor not set before it is placed at the alias, not at 1:1', () => {
    const ps = problemsOf(`name: x
phases:
  local:
    steps:
      - run: *nope
`);
    expect(lines(ps)).toEqual([
      '5:14 : cannot read the YAML: Unresolved alias (the anchor must be set before the alias): nope',
    ]);
  });

  it('AWS testing whose every step has continue-on-error is warned about at phases.aws-test, not refused', () => {
    const text = (second: string) => `name: x
${LOCAL}  aws-deploy:
    steps:
      - run: deploy
  aws-test:
    steps:
      - run: e2e
        continue-on-error: true
${second}`;
    const warned = loadConfig(
      writeConfig(text('      - run: smoke\n        continue-on-error: true\n')),
      TEST_OPTS,
    );
    expect(lines(warned.warnings ?? [])).toEqual([
      '9:3 phases.aws-test: every step here has `continue-on-error: true`: AWS testing passes when any of them passes, even if the others fail, and shutdown then stops the local models in favour of an AWS that failed those (when all fail, the phase fails); let the tests that matter fail the phase',
    ]);
    const gated = loadConfig(writeConfig(text('      - run: smoke\n')), TEST_OPTS);
    expect(gated.warnings ?? []).toEqual([]);
  });

  it("the entry point 'local' may be listed only as [local]: `offload run local` never runs another phase", () => {
    for (const list of ['[shutdown]', '[local, aws-prepare, aws-deploy, aws-test]', '[local, monitor]']) {
      const ps = problemsOf(`name: x
${LOCAL}  shutdown:
    steps:
      - stop-local-models: true
workflows:
  local: ${list}
`);
      expectProblem(ps, 10, 10, 'workflows.local', /the entry point 'local' is the local phase alone/);
    }
    const listed = loadConfig(writeConfig(`name: x\n${LOCAL}workflows:\n  local: [local]\n`), TEST_OPTS);
    expect(listed.workflows.local).toEqual(['local']);
  });

  it('a phase listed again out of order is blamed where it is, and a second deployment needs AWS testing after it', () => {
    const ps = problemsOf(`name: x
${LOCAL}workflows:
  ship: [local, aws-deploy, aws-test, aws-deploy, shutdown]
`);
    expectProblem(
      ps,
      7,
      39,
      'workflows.ship[3]',
      /phase 'aws-deploy' is out of the rule's order \(it is listed after 'aws-test'\)/,
    );
    expectProblem(
      ps,
      7,
      39,
      'workflows.ship[3]',
      /workflow 'ship' deploys to AWS \(aws-deploy\) without aws-test after it/,
    );
    expect(ps.some((p) => p.path === 'workflows.ship[1]')).toBe(false);
  });

  it('a deploy phase with no AWS testing phase is refused: shutdown would follow an untested deployment', () => {
    const untested = problemsOf(`name: x
${LOCAL}  aws-deploy:
    steps:
      - run: deploy
`);
    expectProblem(
      untested,
      6,
      3,
      'phases.aws-deploy',
      /^has steps but phases.aws-test has none; AWS testing must follow every change to AWS \(a deployment\): add the integration and end-to-end tests that run against it/,
    );
    expect(untested).toHaveLength(1);
    // infrastructure deployed in aws-prepare is a change to AWS too: said once, at the first such phase
    const infra = problemsOf(`name: x
${LOCAL}  aws-prepare:
    steps:
      - run: terraform apply
  aws-deploy:
    steps:
      - run: deploy
`);
    expectProblem(
      infra,
      6,
      3,
      'phases.aws-prepare',
      /^has steps but phases.aws-test has none; AWS testing must follow every change to AWS \(infrastructure\)/,
    );
    expect(infra).toHaveLength(1);
    const tested = loadConfig(
      writeConfig(`name: x
${LOCAL}  aws-deploy:
    steps:
      - run: deploy
  aws-test:
    steps:
      - run: e2e
`),
      TEST_OPTS,
    );
    expect(tested.phases['aws-test']?.steps).toHaveLength(1);
  });

  it('lists every problem, sorted by position', () => {
    const ps = problemsOf(`nam: x
${LOCAL}        timeout: soon
      - bogus: 1
workflows:
  w: [local, aws-deploy]
`);
    expect(lines(ps)).toEqual([
      "1:1 nam: unknown key 'nam' (did you mean 'name'?); expected one of: name, env, secrets, phases, workflows, history, aws, models",
      '6:18 phases.local.steps[0].timeout: expected a duration like "30s", "5m", "1h", "1h30m" or a number of seconds, got a string ("soon")',
      "7:9 phases.local.steps[1].bogus: unknown step kind 'bogus'; a step needs exactly one kind key: run, http, tcp, ecs-deploy",
      "9:14 workflows.w[1]: workflow 'w' deploys to AWS (aws-deploy) without aws-test after it; AWS testing must follow every AWS deployment",
    ]);
  });
});

describe('loadConfig: what YAML lets through is refused with a position', () => {
  // The http URL case needs the real http kind's schema: the CLI test (config-refused) covers it.
  for (const c of refusedConfigs().filter((x) => !x.name.startsWith('http'))) {
    it(c.name, () => {
      const ps = problemsOf(c.text);
      expect(ps.length, lines(ps).join('\n')).toBeGreaterThan(0);
      const hit = ps.find((p) => p.line === c.line && p.column === c.column);
      expect(hit, lines(ps).join('\n')).toBeDefined();
      expect(hit?.message).toMatch(c.message);
    });
  }

  it('a prototype key reaches no object: an env named __proto__ is refused before any object is built', () => {
    const ps = problemsOf(`${LOCAL}env:\n  __proto__: { polluted: 1 }\n`);
    expect(lines(ps)).toEqual([
      "6:3 env.__proto__: reserved key '__proto__': names of JavaScript object internals (__proto__, constructor, toString, valueOf, …) cannot be keys in offload.yml",
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('loadConfig: each section parsed once into its typed model', () => {
  const REAL = { stepKinds: STEP_KINDS, sections: CONFIG_SECTIONS };

  it('carries aws, gate, notify, switch, models and watch with their defaults filled in', () => {
    const file = writeConfig(
      `${LOCAL}aws:\n  region: eu-west-1\n  max-attempts: 5\ngate:\n  policy: auto\n  endpoints: [{ url: "http://127.0.0.1:1/h" }]\n` +
        `notify:\n  desktop: false\nswitch:\n  files: [{ path: .env, keys: { URL: { aws: a, local: l } } }]\n` +
        `models:\n  matchers: [{ name: mine, cmdline: "serve --port" }]\nwatch:\n  gpu: false\n`,
    );
    const config = loadConfig(file, REAL);
    expect(config.aws).toEqual({ region: 'eu-west-1', maxAttempts: 5, timeoutMs: 10_000 });
    expect(config.gate.policy).toBe('auto');
    expect(config.gate.consecutivePasses).toBe(3);
    expect(config.gate.endpoints).toEqual([
      { name: 'http://127.0.0.1:1/h', url: 'http://127.0.0.1:1/h', status: [200], timeoutMs: 5000 },
    ]);
    expect(config.notify.desktop).toBe(false);
    expect(config.notify.quietPeriodMs).toBe(15 * 60_000);
    expect(config.switch.files.map((f) => [f.path, f.display, f.format])).toEqual([
      [path.join(path.dirname(file), '.env'), '.env', 'env'],
    ]);
    expect(config.models.matchers.map((m) => [m.name, m.cmdline?.test('x serve --port 1')])).toEqual([
      ['mine', true],
    ]);
    expect(config.watch.gpu).toBe(false);
    // The raw sections stay (trust hashes what was written).
    expect(config.sections.aws).toEqual({ region: 'eu-west-1', 'max-attempts': 5 });
  });

  it('a section its parser refuses after validation is a problem at the section, not a crash at first use', () => {
    const file = writeConfig(`${LOCAL}models:\n  matchers: [{ name: m, cmdline: "(\${{ env.X }}" }]\n`);
    try {
      loadConfig(file, REAL);
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect(lines((err as ConfigError).problems)).toEqual([
        '6:3 models: models.matchers[0].cmdline: invalid regular expression "(${{ env.X }}": missing closing )',
      ]);
    }
  });

  it('absent sections get the same defaults their concerns give', () => {
    const config = loadConfig(writeConfig(LOCAL), REAL);
    expect(config.aws).toEqual({ maxAttempts: 3, timeoutMs: 10_000 });
    expect(config.gate.policy).toBe('ask');
    expect(config.switch.files).toEqual([]);
    expect(config.models.builtin).toBe(true);
    expect(config.watch.intervals).toEqual({ cheapMs: 2000, processesMs: 5000, gpuMs: 5000 });
  });
});

describe('findConfig', () => {
  it('finds offload.yml or offload.yaml from a folder upward, else null', () => {
    const root = fs.mkdtempSync(path.join(tmpRoot, 'find-'));
    const deep = path.join(root, 'a', 'b', 'c');
    fs.mkdirSync(deep, { recursive: true });
    expect(findConfig(deep)).toBeNull();
    fs.writeFileSync(path.join(root, 'offload.yaml'), 'name: x\n');
    expect(findConfig(deep)).toBe(path.join(root, 'offload.yaml'));
    fs.writeFileSync(path.join(root, 'a', 'offload.yml'), 'name: y\n');
    expect(findConfig(deep)).toBe(path.join(root, 'a', 'offload.yml'));
    expect(findConfig(path.join(root, 'a'))).toBe(path.join(root, 'a', 'offload.yml'));
    fs.mkdirSync(path.join(root, 'a', 'b', 'offload.yml'));
    expect(findConfig(deep)).toBe(path.join(root, 'a', 'offload.yml'));
  });
});
