// validate ≡ run: each step kind's own spec checks (StepKind.check) run at `offload validate` with
// file:line:column, and the step itself fails with the same words when the value only arrives at run time.
import fs from 'node:fs';
import path from 'node:path';
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

// A template that does not parse: the deploy refuses it before anything is sent, and so does validate.
const BAD_TEMPLATE = 'Resources:\n  A: [unclosed\n';
const BAD_TEMPLATE_WORDS =
  'template bad.yaml:3:1: Flow sequence in block collection must be sufficiently indented and end with a ]';

const UNKNOWN_SERVER =
  'unknown model server id "olama": use a catalogue id or a models.matchers name (ollama, llama.cpp,';

describe('every step kind that refuses its spec refuses it at validate too', () => {
  it('load-test, lambda-deploy, eks-rollout, switch-config, cloudformation-deploy, stop-local-models: at the kind key, in the step’s words', async () => {
    const dir = makeProject(`name: parity
phases:
  local:
    steps:
      - load-test: { url: "http://127.0.0.1:9/", rate: 50000/s, duration: 10s }
      - load-test: { url: "http://127.0.0.1:9/", duration: 2h }
      - load-test: { url: "http://[bad", duration: 10s }
  aws-deploy:
    steps:
      - lambda-deploy: { function: f, zip: a.zip, image: x }
      - lambda-deploy: { function: f, function-timeout: 20m }
      - lambda-deploy: { function: f, publish: false }
      - eks-rollout: { image: "nginx:1" }
      - eks-rollout: { namespace: web }
      - cloudformation-deploy: { stack: s, template: bad.yaml }
      - cloudformation-deploy: { stack: later, template: built-by-an-earlier-step.yaml }
  shutdown:
    steps:
      - switch-config: { to: aws }
      - stop-local-models: { servers: [olama], except: [ollama] }
  aws-test: { steps: [{ run: "true" }] }
`);
    fs.writeFileSync(path.join(dir, 'bad.yaml'), BAD_TEMPLATE);
    const r = await runCli(['validate'], { cwd: dir, untrusted: true });
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('error'));
    const at = (where: string, words: string) => expect.stringContaining(`offload.yml:${where}: ${words}`);
    expect(lines).toEqual([
      at('5:20', 'phases.local.steps[0].load-test: refused: rate 50000/s is outside 1/s … 10000/s'),
      at(
        '6:20',
        'phases.local.steps[1].load-test: refused: duration 2h is over the cap of 1h for a load test',
      ),
      at('7:20', 'phases.local.steps[2].load-test: invalid URL "http://[bad": expected http:// or https://'),
      at('10:24', 'phases.aws-deploy.steps[0].lambda-deploy: give one code source, not zip and image'),
      at(
        '11:24',
        'phases.aws-deploy.steps[1].lambda-deploy: function-timeout must be between 1s and 15m (got 1200s)',
      ),
      at(
        '12:24',
        'phases.aws-deploy.steps[2].lambda-deploy: nothing to deploy: give zip, s3 or image, configuration, or alias',
      ),
      at(
        '13:22',
        'phases.aws-deploy.steps[3].eks-rollout: image needs deployment: (the Deployment whose container gets it)',
      ),
      at(
        '14:22',
        'phases.aws-deploy.steps[4].eks-rollout: nothing to roll out: give deployment: (with image: to set a new one) or manifest: (files to apply)',
      ),
      at('15:32', `phases.aws-deploy.steps[5].cloudformation-deploy: ${BAD_TEMPLATE_WORDS}`),
      at('19:24', 'phases.shutdown.steps[0].switch-config: offload.yml has no `switch:` files'),
      at('20:28', `phases.shutdown.steps[1].stop-local-models: ${UNKNOWN_SERVER}`),
    ]);
  });

  it('the same refusals reach the run when the value comes from an earlier step', async () => {
    const dir = makeProject(`name: parity
phases:
  local:
    steps:
      - id: v
        run: |
          echo "url=http://[bad" >> "$OFFLOAD_OUTPUT"
          echo "none=" >> "$OFFLOAD_OUTPUT"
          echo "image=x" >> "$OFFLOAD_OUTPUT"
          echo "template=bad.yaml" >> "$OFFLOAD_OUTPUT"
          echo "regex=(" >> "$OFFLOAD_OUTPUT"
          echo "server=olama" >> "$OFFLOAD_OUTPUT"
      - load-test: { url: "\${{ steps.v.outputs.url }}", duration: 10s }
        continue-on-error: true
  aws-prepare:
    steps:
      - cloudformation-deploy: { stack: s, template: "\${{ steps.v.outputs.template }}" }
        continue-on-error: true
  aws-deploy:
    steps:
      - lambda-deploy: { function: f, zip: a.zip, image: "\${{ steps.v.outputs.image }}" }
        continue-on-error: true
      - eks-rollout: { deployment: "\${{ steps.v.outputs.none }}", image: "nginx:1" }
        continue-on-error: true
  aws-test:
    steps:
      - lambda-invoke: { function: f, body: { regex: "\${{ steps.v.outputs.regex }}" } }
        continue-on-error: true
      # one test that passes: AWS testing where every step failed verified nothing, and shutdown would not follow
      - run: "true"
  shutdown:
    steps:
      - switch-config: { to: aws, values: { A: "\${{ steps.v.outputs.none }}" } }
        continue-on-error: true
      - stop-local-models: { servers: ["\${{ steps.v.outputs.server }}"] }
        continue-on-error: true
`);
    fs.writeFileSync(path.join(dir, 'bad.yaml'), BAD_TEMPLATE);
    const data = tempDataDir();
    expect((await runCli(['validate'], { cwd: dir })).code).toBe(0);
    // each kind in a phase it belongs in: the whole rule in one run (every step refuses before it acts)
    const r = await runCli(['run', 'full', '--data-dir', data], { cwd: dir });
    const failed = r.stdout.split('\n').filter((l) => l.trim().startsWith('❌'));
    expect(failed).toEqual([
      expect.stringContaining('invalid URL "http://[bad": expected http:// or https://)'),
      expect.stringContaining(BAD_TEMPLATE_WORDS),
      expect.stringContaining('give one code source, not zip and image)'),
      expect.stringContaining('image needs deployment: (the Deployment whose container gets it))'),
      expect.stringContaining('invalid regular expression: missing closing ) (at `(`))'),
      expect.stringContaining('offload.yml has no `switch:` files)'),
      expect.stringContaining(UNKNOWN_SERVER),
    ]);
  });

  it('lambda-invoke: a body pattern that cannot compile is refused at validate in the words the run uses', async () => {
    const dir = makeProject(`name: parity
phases:
  local:
    steps:
      - run: "true"
  aws-test:
    steps:
      - lambda-invoke: { function: f, body: { regex: "(" } }
`);
    const r = await runCli(['validate'], { cwd: dir, untrusted: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'offload.yml:8:55: phases.aws-test.steps[0].lambda-invoke.body.regex: invalid regular expression: missing closing ) (at `(`)',
    );
  });

  it('refuses a ${{ }} in a script whose shell cannot take it as a variable, before any phase runs', async () => {
    const dir = makeProject(`name: parity
phases:
  local:
    steps:
      - id: v
        run: echo "x=1" >> "$OFFLOAD_OUTPUT"
      - shell: python
        run: print("\${{ steps.v.outputs.x }}")
`);
    const r = await runCli(['validate'], { cwd: dir, untrusted: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /offload\.yml:8:14: phases\.local\.steps\[1\]\.run: \$\{\{ steps\.v\.outputs\.x \}\} in a script for this shell: .*set one under the step's `env:`/,
    );
  });
});
