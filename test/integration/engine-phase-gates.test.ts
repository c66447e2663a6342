// Gates over real git repos and real runs: AWS phases need a local pass on the same fingerprint.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemp, git, gitInit, harness, makeProject, tempDir } from '../fixtures/engine/project';

afterAll(cleanupTemp);

const YAML = `name: gated
phases:
  local:
    steps:
      - name: Build
        run: mkdir -p build && touch build/local-ran-$OFFLOAD_RUN_ID
  aws-prepare:
    steps:
      - name: Prepare
        run: mkdir -p build && touch build/prepare-ran
  aws-deploy:
    steps:
      - name: Deploy
        run: mkdir -p build && touch build/deploy-ran
  aws-test:
    steps:
      - name: Test on AWS
        run: test ! -f fail-aws-test && mkdir -p build && touch build/aws-test-ran
  shutdown:
    steps:
      - name: Shut down
        run: mkdir -p build && touch build/shutdown-ran
  monitor:
    steps:
      - name: Watch
        run: "true"
`;

function ran(dir: string, what: string): boolean {
  return fs.existsSync(path.join(dir, 'build', what));
}

describe('gates', () => {
  it('an AWS phase is blocked without a local pass on the same fingerprint, and allowed after', async () => {
    const dir = makeProject(YAML);
    gitInit(dir);
    const data = tempDir('data');
    let h = harness(dir, { dataDir: data });
    const blocked = await h.engine.run('test');
    expect(blocked.status).toBe('blocked');
    expect(blocked.reason).toMatch(/aws-test blocked: local phase has never passed/);
    expect(blocked.reason).toMatch(/`offload run full`/);
    expect(ran(dir, 'aws-test-ran')).toBe(false);
    const run = h.history.readRun(blocked.runId);
    expect(run?.phases[0]).toMatchObject({ id: 'aws-test', status: 'blocked' });

    const avail = await h.engine.availability();
    expect(avail.find((w) => w.name === 'test')).toMatchObject({ allowed: false });
    expect(avail.find((w) => w.name === 'full')).toMatchObject({ allowed: true });
    // services needs aws-prepare to have passed once: run infrastructure first.
    expect(avail.find((w) => w.name === 'services')?.reason).toMatch(
      /aws-deploy: AWS preparation \(aws-prepare\) has never passed.*`offload run (full|infrastructure)`/,
    );

    const infra = await h.engine.run('infrastructure');
    expect(infra.status).toBe('passed');
    expect(ran(dir, 'prepare-ran')).toBe(true);

    h = harness(dir, { dataDir: data }); // a new process would see the same records
    const test = await h.engine.run('test');
    expect(test.status).toBe('passed');
    expect(ran(dir, 'aws-test-ran')).toBe(true);
  });

  it('editing a tracked file, adding an untracked one or editing the config invalidates the gate', async () => {
    const dir = makeProject(YAML, { 'src/app.js': 'console.log(1)\n' });
    gitInit(dir);
    const data = tempDir('data');
    const h = harness(dir, { dataDir: data });
    expect((await h.engine.run('infrastructure')).status).toBe('passed');
    const allowed = async (hh = h) => (await hh.engine.availability()).find((w) => w.name === 'test')!;
    expect((await allowed()).allowed).toBe(true);

    // Outputs in an ignored folder (build/) do not change the source.
    fs.writeFileSync(path.join(dir, 'build', 'ignored.txt'), 'x');
    expect((await allowed()).allowed).toBe(true);

    fs.writeFileSync(path.join(dir, 'src/app.js'), 'console.log(2)\n');
    const edited = await allowed();
    expect(edited.allowed).toBe(false);
    expect(edited.reason).toMatch(
      /local phase has not passed for this source \(fingerprint [0-9a-f]{8}…; last pass was for [0-9a-f]{8}…, 1 file changed \(src\/app\.js\) since\)/,
    );
    const blocked = await h.engine.run('test');
    expect(blocked.status).toBe('blocked');

    // Undo the edit: the same source as the pass, allowed again.
    fs.writeFileSync(path.join(dir, 'src/app.js'), 'console.log(1)\n');
    expect((await allowed()).allowed).toBe(true);

    fs.writeFileSync(path.join(dir, 'src/new.js'), 'new\n');
    const added = await allowed();
    expect(added.allowed).toBe(false);
    expect(added.reason).toMatch(/1 file changed \(src\/new\.js\)/);
    // Committing exactly what passed keeps the pass: the fingerprint is content, not commits.
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'add new.js');
    expect((await allowed()).reason).toMatch(/1 file changed \(src\/new\.js\)/);
    git(dir, 'rm', '-q', 'src/new.js');
    git(dir, 'commit', '-qm', 'drop new.js');
    expect((await allowed()).allowed).toBe(true);

    // Many files: the first three by name, then how many more.
    for (const n of [1, 2, 3, 4, 5]) fs.writeFileSync(path.join(dir, `src/m${n}.js`), `${n}\n`);
    expect((await allowed()).reason).toMatch(
      /5 files changed \(src\/m1\.js, src\/m2\.js, src\/m3\.js \+2 more\)/,
    );
    for (const n of [1, 2, 3, 4, 5]) fs.rmSync(path.join(dir, `src/m${n}.js`));
    expect((await allowed()).allowed).toBe(true);

    fs.appendFileSync(path.join(dir, 'offload.yml'), '# a comment\n');
    const h2 = harness(dir, { dataDir: data }); // reload: new config hash
    const cfg = await allowed(h2);
    expect(cfg.allowed).toBe(false);
    expect(cfg.reason).toMatch(/the config changed/);
    expect((await h2.engine.run('full')).status).toBe('passed');
    expect((await allowed(h2)).allowed).toBe(true);
    // Committing offload.yml without changing its content keeps the local pass.
    git(dir, 'commit', '-qam', 'edit config');
    expect((await allowed(h2)).allowed).toBe(true);
  });

  it('files Offload switches itself are not source: a switched .env keeps the pass, a tracked edit does not', async () => {
    const dir = makeProject(
      YAML.replace(
        'name: gated',
        'name: gated\nswitch:\n  files:\n    - path: .env\n      keys: { MODEL_URL: { aws: "https://aws.example", local: "http://127.0.0.1:11434" } }',
      ),
      { '.env': 'MODEL_URL=http://127.0.0.1:11434\n', 'app.py': 'print(1)\n' },
    );
    gitInit(dir); // .env is tracked, as in the report
    const data = tempDir('data');
    const h = harness(dir, { dataDir: data });
    expect((await h.engine.run('infrastructure')).status).toBe('passed');
    const allowed = async () => (await h.engine.availability()).find((w) => w.name === 'test')!;
    fs.writeFileSync(path.join(dir, '.env'), 'MODEL_URL=https://aws.example\n');
    expect((await allowed()).allowed).toBe(true);
    // Interpreter caches a test run leaves behind are not source, even where .gitignore forgot them.
    fs.mkdirSync(path.join(dir, '__pycache__'));
    fs.writeFileSync(path.join(dir, '__pycache__', 'app.cpython-311.pyc'), 'bytecode');
    expect((await allowed()).allowed).toBe(true);
    fs.writeFileSync(path.join(dir, 'app.py'), 'print(2)\n');
    const edited = await allowed();
    expect(edited.allowed).toBe(false);
    expect(edited.reason).toMatch(/1 file changed \(app\.py\) since/);
  });

  it('a phase offload.yml leaves empty is nothing to wait for: full and services run without aws-prepare steps', async () => {
    const yaml = YAML.replace(
      / {2}aws-prepare:\n {4}steps:\n {6}- name: Prepare\n {8}run: [^\n]*\n/,
      '  aws-prepare:\n    steps: []\n',
    );
    expect(yaml).not.toContain('Prepare');
    const dir = makeProject(yaml, { '.gitignore': 'build/\n' });
    gitInit(dir);
    const h = harness(dir, { dataDir: tempDir('data') });
    const avail = async (name: string) => (await h.engine.availability()).find((w) => w.name === name)!;
    expect(await avail('full')).toMatchObject({ allowed: true });
    const full = await h.engine.run('full');
    expect(full.status).toBe('passed');
    expect(ran(dir, 'deploy-ran')).toBe(true);
    expect(await avail('services')).toMatchObject({ allowed: true });
  });

  it('a project without git is fingerprinted by content', async () => {
    const dir = makeProject(YAML, { 'main.py': 'print(1)\n', 'node_modules/x/index.js': '1' });
    const data = tempDir('data');
    const h = harness(dir, { dataDir: data });
    expect((await h.engine.run('infrastructure')).status).toBe('passed');
    const test = async () => (await h.engine.availability()).find((w) => w.name === 'test')!.allowed;
    expect(await test()).toBe(true);
    fs.writeFileSync(path.join(dir, 'node_modules/x/index.js'), '2'); // skipped folder
    expect(await test()).toBe(true);
    fs.writeFileSync(path.join(dir, 'main.py'), 'print(2)\n');
    expect(await test()).toBe(false);
  });

  it('shutdown needs AWS testing after the latest deployment', async () => {
    const dir = makeProject(YAML, { '.gitignore': 'build/\nfail-aws-test\n' });
    gitInit(dir);
    const h = harness(dir, { dataDir: tempDir('data') });
    let s = await h.engine.run('shutdown');
    expect(s.status).toBe('blocked');
    expect(s.reason).toMatch(/no AWS deployment has passed yet/);
    expect((await h.engine.run('infrastructure')).status).toBe('passed');
    // A deployment whose AWS test fails: shutdown stays blocked.
    fs.writeFileSync(path.join(dir, 'fail-aws-test'), '');
    expect((await h.engine.run('services')).status).toBe('failed');
    s = await h.engine.run('shutdown');
    expect(s.status).toBe('blocked');
    expect(s.reason).toMatch(/AWS testing has not passed since the latest deployment.*`offload run test`/);
    expect(ran(dir, 'shutdown-ran')).toBe(false);
    fs.rmSync(path.join(dir, 'fail-aws-test'));
    expect((await h.engine.run('test')).status).toBe('passed');
    expect((await h.engine.run('shutdown')).status).toBe('passed');
    expect(ran(dir, 'shutdown-ran')).toBe(true);
    // So does a change of the infrastructure after the tested deployment.
    expect((await h.engine.run('infrastructure')).status).toBe('passed');
    expect((await h.engine.availability()).find((w) => w.name === 'shutdown')).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/since the latest AWS preparation/),
    });
    expect((await h.engine.run('test')).status).toBe('passed');
    // A new deployment needs AWS testing again before shutdown.
    fs.writeFileSync(path.join(dir, 'fail-aws-test'), '');
    expect((await h.engine.run('services')).status).toBe('failed');
    expect((await h.engine.availability()).find((w) => w.name === 'shutdown')?.allowed).toBe(false);
  });

  it('AWS testing where every step failed under continue-on-error verified nothing: the run fails, shutdown stays blocked', async () => {
    const yaml = YAML.replace(
      '        run: test ! -f fail-aws-test && mkdir -p build && touch build/aws-test-ran\n',
      '        run: test ! -f fail-aws-test && mkdir -p build && touch build/aws-test-ran\n        continue-on-error: true\n',
    );
    expect(yaml).toContain('continue-on-error: true');
    const dir = makeProject(yaml, { '.gitignore': 'build/\nfail-aws-test\n' });
    gitInit(dir);
    const h = harness(dir, { dataDir: tempDir('data') });
    expect((await h.engine.run('infrastructure')).status).toBe('passed');
    fs.writeFileSync(path.join(dir, 'fail-aws-test'), '');
    const s = await h.engine.run('services');
    expect(s.status).toBe('failed');
    expect(s.reason).toMatch(
      /every AWS test failed \(Test on AWS; each is continue-on-error\): AWS testing verified nothing/,
    );
    expect((await h.engine.run('shutdown')).status).toBe('blocked');
    expect(ran(dir, 'shutdown-ran')).toBe(false);
    // one that passes is a pass
    fs.rmSync(path.join(dir, 'fail-aws-test'));
    expect((await h.engine.run('test')).status).toBe('passed');
    expect((await h.engine.run('shutdown')).status).toBe('passed');
  });

  it('shutdown needs AWS testing after infrastructure changes too; where only aws-prepare deploys, its pass', async () => {
    const yaml = YAML.replace(
      / {2}aws-deploy:\n {4}steps:\n {6}- name: Deploy\n {8}run: [^\n]*\n/,
      '',
    ).replace('touch build/prepare-ran', 'touch build/prepare-ran && test ! -f fail-prepare');
    expect(yaml).not.toContain('aws-deploy');
    const dir = makeProject(yaml, { '.gitignore': 'build/\nfail-prepare\n' });
    gitInit(dir);
    const h = harness(dir, { dataDir: tempDir('data') });
    const shutdown = async () => (await h.engine.availability()).find((w) => w.name === 'shutdown')!;
    expect(await shutdown()).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/AWS preparation \(aws-prepare\) has never passed for this project/),
    });
    expect((await h.engine.run('infrastructure')).status).toBe('passed');
    const untested = await h.engine.run('shutdown');
    expect(untested.status).toBe('blocked');
    expect(untested.reason).toMatch(
      /AWS testing has not passed since the latest AWS preparation \(aws-prepare, run .*\); AWS testing must follow every change to AWS, infrastructure too: .*`offload run test`/,
    );
    expect(ran(dir, 'shutdown-ran')).toBe(false);
    expect((await h.engine.run('test')).status).toBe('passed');
    expect(await shutdown()).toMatchObject({ allowed: true });
    // infrastructure changed again: AWS testing again before shutdown
    expect((await h.engine.run('infrastructure')).status).toBe('passed');
    expect(await shutdown()).toMatchObject({ allowed: false });
    expect((await h.engine.run('test')).status).toBe('passed');
    // a preparation that fails after changing AWS counts too: it started
    fs.writeFileSync(path.join(dir, 'fail-prepare'), '');
    expect((await h.engine.run('infrastructure')).status).toBe('failed');
    fs.rmSync(path.join(dir, 'fail-prepare'));
    expect(await shutdown()).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/since the latest AWS preparation/),
    });
    expect((await h.engine.run('test')).status).toBe('passed');
    expect((await h.engine.run('shutdown')).status).toBe('passed');
    expect(ran(dir, 'shutdown-ran')).toBe(true);
  });

  it('gate records survive pruning every run', async () => {
    const dir = makeProject(YAML.replace('name: gated', 'name: gated\nhistory:\n  keep: 1'));
    gitInit(dir);
    const h = harness(dir, { dataDir: tempDir('data') });
    expect((await h.engine.run('infrastructure')).status).toBe('passed');
    fs.writeFileSync(path.join(dir, 'build', 'x'), '1');
    for (let i = 0; i < 2; i++) expect((await h.engine.run('test')).status).toBe('passed');
    expect(h.history.listRuns()).toHaveLength(1);
    expect((await h.engine.run('services')).status).toBe('passed');
  });
});
