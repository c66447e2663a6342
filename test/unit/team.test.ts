/**
 * The team gate's pure parts: the `team:` section (schema errors at their line and column), the keys records
 * are found by, the shape checks on what is read back, how a team pass counts for the gate, lock leases, and
 * the `offload team` lines.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../main/core/config';
import { CONFIG_SECTIONS, STEP_KINDS } from '../../main/core/registry';
import { parseS3Url } from '../../main/core/team/config';
import {
  checkPassRecord,
  checkRunRecord,
  passEvidence,
  runEvidence,
  runWhere,
  teamKeys,
  type PassEvidence,
} from '../../main/core/team/evidence';
import { addTeamPasses } from '../../main/core/team/gate-passes';
import { describeHolder, leaseOver, parseHolder, type TeamLockHolder } from '../../main/core/team/lock';
import { emptyPhaseGates } from '../../main/core/workflow/phase-gates';
import { teamLines } from '../../main/cli/commands/team';
import type { RunSnapshot } from '../../main/core/vocabulary';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'offload-team-unit-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const FP = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);

const load = (team: string) => {
  const dir = fs.mkdtempSync(path.join(tmp, 'p'));
  const file = path.join(dir, 'offload.yml');
  fs.writeFileSync(file, `name: p\nteam:\n${team}\nphases:\n  local:\n    steps:\n      - run: echo hi\n`);
  return { file, load: () => loadConfig(file, { stepKinds: STEP_KINDS, sections: CONFIG_SECTIONS }) };
};

describe('the team: section', () => {
  it('parses s3://bucket/prefix with defaults', () => {
    const c = load('  evidence: s3://acme-offload/teams/shop/').load();
    expect(c.team).toEqual({
      bucket: 'acme-offload',
      prefix: 'teams/shop',
      environment: 'default',
      leaseMs: 30 * 60_000,
      region: undefined,
      profile: undefined,
    });
    expect(parseS3Url('s3://b-1')).toEqual({ bucket: 'b-1', prefix: '' });
  });

  it('a bad evidence URL and an unknown key are errors at their line and column', () => {
    const { file, load: l } = load('  evidence: https://acme/x\n  lease: soon\n  bucket: x');
    let err: unknown;
    try {
      l();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as ConfigError).message;
    expect(msg).toContain(`${file}:3:13: team.evidence: `);
    expect(msg).toContain(`${file}:4:10: team.lease: `);
    expect(msg).toMatch(new RegExp(`${file.replace(/[.]/g, '\\.')}:5:3: team(\\.bucket)?: `));
  });

  it('a config without team: has none', () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'q'));
    fs.writeFileSync(
      path.join(dir, 'offload.yml'),
      'name: q\nphases:\n  local:\n    steps:\n      - run: echo\n',
    );
    expect(
      loadConfig(path.join(dir, 'offload.yml'), { stepKinds: STEP_KINDS, sections: CONFIG_SECTIONS }).team,
    ).toBeUndefined();
  });
});

const snap: RunSnapshot = {
  runId: '20261207-080000-000-abcdef',
  workflow: 'full',
  status: 'passed',
  startedAt: '2026-12-07T08:00:00.000Z',
  finishedAt: '2026-12-07T08:01:00.000Z',
  fingerprint: FP,
  tail: [],
  phases: [
    {
      id: 'local',
      title: 'Local',
      status: 'passed',
      steps: [
        { id: 'a', name: 'a', kind: 'run', status: 'passed', durationMs: 1200 },
        { id: 'b', name: 'b', kind: 'run', status: 'passed', durationMs: 300 },
      ],
    },
    { id: 'aws-deploy', title: 'Deploy', status: 'failed', steps: [] },
  ],
};
const actor = { who: 'Ana <ana@example.com>', where: 'ana-laptop' };

describe('evidence records', () => {
  const run = runEvidence(snap, {
    project: 'shop/api',
    environment: 'dev',
    deployed: [],
    actor,
    commit: 'abc',
  });

  it('a run record has each phase with its time, and a pass record for each passed phase only', () => {
    expect(run.phases).toEqual([
      { id: 'local', status: 'passed', durationMs: 1500 },
      { id: 'aws-deploy', status: 'failed', durationMs: 0 },
    ]);
    const passes = passEvidence(run);
    expect(passes.map((p) => [p.phase, p.fingerprint, p.who, p.at])).toEqual([
      ['local', FP, actor.who, snap.finishedAt],
    ]);
    expect(checkRunRecord(JSON.stringify(run))).toEqual({ run });
  });

  it('keys: a project name cannot steer a key out of its folder', () => {
    expect(teamKeys.pass({ prefix: 'o' }, '../x/y', 'local', FP)).toBe(`o/passes/.._x_y/local/${FP}.json`);
    expect(teamKeys.lock({ prefix: '' }, 'p', 'dev')).toBe('locks/p/dev.json');
  });

  it('a pass read back counts only with its shape, its sha-256 and the key it was asked by', () => {
    const [pass] = passEvidence(run) as [PassEvidence];
    const want = { project: 'shop/api', phase: 'local', fingerprint: FP };
    expect(checkPassRecord(JSON.stringify(pass), want)).toEqual({ pass });
    expect(checkPassRecord('{"version":1', want)).toEqual({ malformed: 'not JSON' });
    expect(checkPassRecord('[]', want)).toEqual({ malformed: 'not an object' });
    expect(checkPassRecord(JSON.stringify({ ...pass, fingerprint: 'x' }), want)).toEqual({
      malformed: 'fingerprint is not a sha-256',
    });
    expect(checkPassRecord(JSON.stringify({ ...pass, fingerprint: OTHER }), want)).toEqual({
      malformed: 'its project, phase or fingerprint is not the one its key names',
    });
    expect(checkPassRecord(JSON.stringify({ ...pass, who: 7 }), want)).toEqual({
      malformed: 'who is missing or not a short string',
    });
    expect(checkRunRecord('{"version":2}')).toEqual({ malformed: 'not an Offload run record (version 1)' });
  });

  it('where: the CI job URL from the environment, else this machine', () => {
    const gh = { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'a/b', GITHUB_RUN_ID: '9' };
    expect(runWhere(gh, 'h')).toBe('https://github.com/a/b/actions/runs/9');
    expect(runWhere({ CI_JOB_URL: 'https://gitlab/j/1' }, 'h')).toBe('https://gitlab/j/1');
    expect(runWhere({}, 'ana-laptop')).toBe('ana-laptop');
  });
});

describe('team passes for the gate', () => {
  const pass = (phase: string, fingerprint = FP): PassEvidence => ({
    version: 1,
    kind: 'offload-pass',
    project: 'p',
    phase,
    fingerprint,
    runId: `ci-${phase}`,
    at: '2026-12-07T08:00:00.000Z',
    environment: 'dev',
    ...actor,
  });

  it('a local and an aws-prepare pass of the same fingerprint count; only what is missing is asked', async () => {
    const asked: string[] = [];
    const { state, counted } = await addTeamPasses(emptyPhaseGates(), FP, async (p) => {
      asked.push(p);
      return pass(p);
    });
    expect(asked).toEqual(['local', 'aws-prepare']);
    expect(state.localPasses.map((r) => [r.fingerprint, r.runId])).toEqual([[FP, 'ci-local']]);
    expect(state.preparePassed?.runId).toBe('ci-aws-prepare');
    expect(counted.length).toBe(2);

    const asked2: string[] = [];
    await addTeamPasses(state, FP, async (p) => {
      asked2.push(p);
      return undefined;
    });
    expect(asked2).toEqual([]);
  });

  it('a pass of another fingerprint never counts', async () => {
    const { state, counted } = await addTeamPasses(emptyPhaseGates(), FP, async (p) => pass(p, OTHER));
    expect(state.localPasses).toEqual([]);
    expect(state.preparePassed).toBeUndefined();
    expect(counted).toEqual([]);
  });
});

describe('the deploy lock', () => {
  const h: TeamLockHolder = {
    version: 1,
    kind: 'offload-lock',
    project: 'p',
    environment: 'dev',
    runId: 'r1',
    workflow: 'services',
    since: '2026-12-07T08:00:00.000Z',
    leaseMs: 60_000,
    ...actor,
  };
  it('names its holder and its lease; a lease past its end is over; a foreign object is no lock', () => {
    expect(describeHolder(h)).toBe(
      'dev is locked by Ana <ana@example.com> at ana-laptop since 2026-12-07T08:00:00.000Z (services, run r1; lease until 2026-12-07T08:01:00.000Z): wait for it (--wait) or, if that run is gone, `offload unlock`',
    );
    const t = Date.parse(h.since);
    expect([leaseOver(h, t + 60_000), leaseOver(h, t + 60_001)]).toEqual([false, true]);
    expect(parseHolder(JSON.stringify(h))).toEqual(h);
    expect(parseHolder('{"who":"x"}')).toBeUndefined();
    expect(parseHolder('nope')).toBeUndefined();
  });
});

describe('offload team lines', () => {
  it('says the lock, the last deploy, skipped records and an unreachable bucket', () => {
    expect(
      teamLines({
        evidence: 's3://b/o',
        environment: 'dev',
        lock: null,
        lastDeploys: [
          {
            environment: 'dev',
            who: 'ci',
            where: 'https://ci/1',
            at: '2026-12-07T08:00:00Z',
            status: 'passed',
            workflow: 'services',
            runId: 'r2',
            commit: '0123456789abcdef',
            deployed: ['api → dev-api:42'],
          },
        ],
        skipped: ['o/deploys/p/dev/x.json: not JSON'],
      }),
    ).toEqual([
      'team evidence: s3://b/o',
      'dev: not locked',
      'last deploy to dev: passed by ci at https://ci/1, 2026-12-07T08:00:00Z commit 0123456789ab (services, run r2)',
      '  api → dev-api:42',
      'skipped o/deploys/p/dev/x.json: not JSON',
    ]);
    expect(
      teamLines({
        evidence: 's3://b/o',
        environment: 'dev',
        lock: null,
        lastDeploys: [],
        skipped: [],
        unreachable: 'AccessDenied for s3:GetObject',
      }),
    ).toEqual([
      'team evidence: s3://b/o',
      'team evidence unreachable: AccessDenied for s3:GetObject',
      'dev: lock unknown',
    ]);
  });
});

describe('unreachableCause', () => {
  it('a refusal of the boundary is said in its own words, without the class name', async () => {
    const { unreachableCause } = await import('../../main/core/team/store');
    const { EffectRefused, UNTRUSTED_AWS_ENDPOINT } = await import('../../main/core/boundary');
    expect(unreachableCause(new EffectRefused(UNTRUSTED_AWS_ENDPOINT), 'GetObject')).toBe(
      UNTRUSTED_AWS_ENDPOINT,
    );
  });
});
