// A step's template (the file cloudformation-deploy sends to AWS) must resolve inside the project folder or the
// git work tree holding it: `../`, absolute paths and symlinks out are config errors at the template's position.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configProblems } from '../helpers/config-problems';

const yml = (template: string) => `name: p
aws:
  region: us-east-1
phases:
  local:
    steps:
      - name: Build
        run: "true"
  aws-deploy:
    steps:
      - name: Stack
        cloudformation-deploy:
          stack: api
          template: ${template}
  aws-test:
    steps:
      - run: "true"
`;
const TEMPLATE = '{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}';

/** A project folder `app` in a fresh folder (with `.git` when `git`), offload.yml naming `template`. */
const project = (template: string, o: { git?: boolean } = {}) => {
  const top = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'offload-template-path-')));
  if (o.git) fs.mkdirSync(path.join(top, '.git'));
  const dir = path.join(top, 'app');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'offload.yml'), yml(template));
  return { top, dir };
};
const problems = configProblems;

describe('a step template must stay inside the project', () => {
  it('a template inside is fine, one not built yet too', () => {
    const { dir } = project('cdk.out/Api.template.json');
    expect(problems(dir)).toEqual([]);
    fs.mkdirSync(path.join(dir, 'cdk.out'));
    fs.writeFileSync(path.join(dir, 'cdk.out', 'Api.template.json'), TEMPLATE);
    expect(problems(dir)).toEqual([]);
  });

  it('../ is refused at the template, saying where it resolves', () => {
    const { top, dir } = project('../other/stack.json');
    fs.mkdirSync(path.join(top, 'other'));
    fs.writeFileSync(path.join(top, 'other', 'stack.json'), TEMPLATE);
    const [p, ...rest] = problems(dir);
    expect(rest).toEqual([]);
    expect(p).toMatchObject({
      line: 14,
      column: 21,
      path: 'phases.aws-deploy.steps[0].cloudformation-deploy.template',
      message: `../other/stack.json resolves to ${top}/other/stack.json, outside the project folder ${dir}; Offload only deploys templates inside the project`,
    });
  });

  it('an absolute path outside is refused', () => {
    const { dir } = project('/etc/passwd');
    expect(problems(dir)[0]!.message).toMatch(
      /^\/etc\/passwd resolves to \/etc\/passwd, outside the project folder/,
    );
  });

  it('a symlink inside the project that leads out is refused, saying so', () => {
    const outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'offload-outside-')));
    fs.writeFileSync(path.join(outside, 'stack.json'), TEMPLATE);
    const { dir } = project('infra/stack.json');
    fs.symlinkSync(outside, path.join(dir, 'infra'));
    expect(problems(dir)[0]!.message).toBe(
      `infra/stack.json resolves to ${outside}/stack.json, outside the project folder ${dir} (through a symbolic link); Offload only deploys templates inside the project`,
    );
  });

  it("in a monorepo a template elsewhere in the project's git work tree is fine; past it is refused", () => {
    const { top, dir } = project('../infra/cdk.out/Api.template.json', { git: true });
    expect(problems(dir)).toEqual([]);
    const past = project('../../stack.json', { git: true });
    expect(problems(past.dir)[0]!.message).toBe(
      `../../stack.json resolves to ${path.dirname(past.top)}/stack.json, outside the project folder ${past.dir} and its git work tree ${past.top}; Offload only deploys templates inside the project`,
    );
    expect(top).not.toBe(past.top);
  });

  it('a git repository at the home folder (dotfiles) is no monorepo: a template elsewhere in it is refused', () => {
    const { top, dir } = project('../.aws/credentials', { git: true });
    const home = process.env.HOME;
    process.env.HOME = top;
    try {
      expect(problems(dir)[0]!.message).toBe(
        `../.aws/credentials resolves to ${top}/.aws/credentials, outside the project folder ${dir}; Offload only deploys templates inside the project`,
      );
    } finally {
      process.env.HOME = home;
    }
  });
});

describe('a lambda-deploy zip must stay inside the project', () => {
  const zipYml = (zip: string) =>
    `name: p\naws:\n  region: us-east-1\nphases:\n  local:\n    steps:\n      - run: "true"\n  aws-deploy:\n    steps:\n      - lambda-deploy:\n          function: api\n          zip: ${zip}\n  aws-test:\n    steps:\n      - run: "true"\n`;
  const zipProject = (zip: string) => {
    const { dir } = project('unused.json');
    fs.writeFileSync(path.join(dir, 'offload.yml'), zipYml(zip));
    return dir;
  };

  it('a zip inside (built later too) is fine; ../, an absolute path or a link out is refused at its line', () => {
    expect(problems(zipProject('dist/api.zip'))).toEqual([]);
    const up = problems(zipProject('../../elsewhere/secrets.zip'));
    expect(up).toHaveLength(1);
    expect(up[0]).toMatchObject({ line: 11, path: 'phases.aws-deploy.steps[0].lambda-deploy' });
    expect(up[0]!.message).toMatch(/outside the project folder .*nothing was sent to AWS/);
    expect(problems(zipProject(path.join(os.homedir(), '.ssh', 'id_rsa')))[0]!.message).toMatch(/outside/);
    const dir = zipProject('api.zip');
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-zip-outside-'));
    fs.writeFileSync(path.join(outside, 'x.zip'), 'PK');
    fs.symlinkSync(path.join(outside, 'x.zip'), path.join(dir, 'api.zip'));
    expect(problems(dir)[0]!.message).toMatch(/through a symbolic link/);
  });
});
