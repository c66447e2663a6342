/**
 * The team gate against the endpoint fixture's S3 (S3's wire shapes, strictly; scripted IAM denials), with
 * the real SDK and real `offload` processes: the scenarios moto runs too (team-s3-moto.test.ts), and what
 * only the fixture can show.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, tempDataDir } from '../helpers/cli';
import { describeTeamScenarios } from '../helpers/team-scenarios';
import {
  runTeamCli as run,
  startFixtureBackend,
  TEAM_BACKENDS,
  teamYaml as yaml,
} from '../helpers/team-backends';

// moto runs every scenario; here the ones that lean on S3's wire: conditional writes racing, a pass read by
// key, and the queue flushed through a dropped connection (the lease and `offload team` read as on moto).
describeTeamScenarios(
  TEAM_BACKENDS.find((k) => k.name === 'the endpoint fixture')!,
  (title) => /^(two copies at once|a pass CI recorded|offline)/.test(title),
);

// moto does not enforce IAM; the fixture answers S3's 403 AccessDenied for one scripted action.
describe('the team gate when IAM denies an action (the endpoint fixture)', () => {
  it('AccessDenied names the action; the record waits in the queue', async () => {
    const b = await startFixtureBackend();
    try {
      const dir = makeProject(yaml(b.url, 'denied'));
      const data = tempDataDir();
      b.fixture?.faults.push({ op: 'PutObject', kind: 'denied' });
      const r = await run(dir, data, ['run', 'local']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stderr).toContain('team evidence unreachable: AccessDenied for s3:PutObject');
      const queued = fs.readFileSync(path.join(data, 'team-queue', 'denied.jsonl'), 'utf8');
      expect(queued.trim().split('\n').length).toBe(2);
      expect(await b.keys('offload/')).toEqual([]);
    } finally {
      await b.close();
    }
  }, 60_000);
});
