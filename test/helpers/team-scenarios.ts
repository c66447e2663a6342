/**
 * The team scenarios from issue 19, once per S3 backend (moto's and the endpoint fixture's, one test file
 * each so the two run side by side): two project copies with their own data folders (two laptops, or a
 * laptop and CI) share one bucket, driven through real `offload` processes and checked with the real SDK.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, makeProject, startCli, tempDataDir, waitFor } from './cli';
import {
  lockRecord,
  runTeamCli as run,
  TEAM_BUCKET as BUCKET,
  TEAM_CREDS as CREDS,
  teamYaml as yaml,
  type TeamBackend,
  type TeamBackendKind,
} from './team-backends';

/**
 * Declares the scenarios against `kind` (skipped, with the reason, where it cannot run here); `only` picks
 * some of them by title (the suite's time: a second backend runs the ones that exercise its wire).
 */
export function describeTeamScenarios(
  { name, available, start }: TeamBackendKind,
  only: (title: string) => boolean = () => true,
): void {
  describe(`the team gate against ${name}`, () => {
    let b: TeamBackend;
    beforeAll(async () => {
      if (available.ok) b = await start();
    }, 60_000);
    afterAll(async () => {
      await b?.close();
    });
    const it_ = (title: string, fn: () => Promise<void>, timeout?: number) =>
      only(title) ? it.skipIf(!available.ok)(title, fn, timeout) : undefined;
    if (!available.ok) it.skip(`${name}: ${available.why}`, () => undefined);

    it_(
      'two copies at once: exactly one deploys, the other is told who holds dev; --wait runs after it',
      async () => {
        const a = makeProject(yaml(b.url, 'teamproj'));
        const c = makeProject(yaml(b.url, 'teamproj'));
        const [dataA, dataC] = [tempDataDir(), tempDataDir()];
        const hold = path.join(tempDataDir(), 'release');
        const first = startCli(['run', 'full', '--data-dir', dataA], {
          cwd: a,
          env: { ...CREDS, HOLD: hold, GIT_AUTHOR_NAME: 'ci' },
        });
        const firstDone = collect(first, 150_000);
        let out = '';
        first.stdout?.on('data', (d) => (out += d));
        await waitFor(() => out.includes('deploying'), 30_000, 'the first run to deploy');
        expect(await b.keys('offload/locks/teamproj/')).toEqual(['offload/locks/teamproj/dev.json']);

        const refused = await run(c, dataC, ['run', 'full']);
        expect(refused.code).toBe(1);
        expect(refused.stdout + refused.stderr).toMatch(
          /deploy lock: dev is locked by .+ at .+ since .+ \(full, run /,
        );

        const waiting = startCli(['run', 'full', '--wait', '1m', '--data-dir', dataC], {
          cwd: c,
          env: CREDS,
        });
        const waitedDone = collect(waiting, 150_000);
        let told = '';
        waiting.stderr?.on('data', (d) => (told += d));
        await waitFor(() => told.includes('waiting: dev is locked by'), 30_000, 'the second run to wait');
        fs.writeFileSync(hold, '');
        const [done, waited] = await Promise.all([firstDone, waitedDone]);
        expect(done.code, done.stdout + done.stderr).toBe(0);
        expect(waited.code, waited.stdout + waited.stderr).toBe(0);
        expect(await b.keys('offload/locks/teamproj/')).toEqual([]);
        expect((await b.keys('offload/deploys/teamproj/dev/')).length).toBe(2);
      },
      150_000,
    );

    it_(
      'a pass CI recorded for the same fingerprint lets another copy deploy without local; another fingerprint does not',
      async () => {
        const ci = makeProject(yaml(b.url, 'shared'));
        const ciEnv = {
          GITHUB_SERVER_URL: 'https://github.com',
          GITHUB_REPOSITORY: 'acme/shop',
          GITHUB_RUN_ID: '42',
        };
        expect((await run(ci, tempDataDir(), ['run', 'local'], ciEnv)).code).toBe(0);
        const runs = await b.keys('offload/runs/shared/');
        expect(runs.length).toBe(1);
        const record = JSON.parse(await b.read(runs[0] as string)) as { where: string; fingerprint: string };
        expect(record.where).toBe('https://github.com/acme/shop/actions/runs/42');
        expect(await b.keys(`offload/passes/shared/local/`)).toEqual([
          `offload/passes/shared/local/${record.fingerprint}.json`,
        ]);

        const laptop = makeProject(yaml(b.url, 'shared'));
        const deployed = await run(laptop, tempDataDir(), ['run', 'deploy']);
        expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0);
        expect(deployed.stderr).toContain('local phase passed for this source by '); // whose
        expect(deployed.stderr).toContain('at https://github.com/acme/shop/actions/runs/42 (run '); // where
        expect(deployed.stdout).not.toContain('local-ran');

        const changed = makeProject(yaml(b.url, 'shared'), { 'extra.txt': 'not what CI tested\n' });
        const refused = await run(changed, tempDataDir(), ['run', 'deploy']);
        expect(refused.code).toBe(1);
        expect(refused.stdout + refused.stderr).toMatch(/local phase has never passed for this project/);
        expect(refused.stderr).not.toContain('counts for the gate');
      },
      150_000,
    );

    it_(
      'a lock past its lease is taken over, naming its holder; a malformed pass record is skipped and reported',
      async () => {
        const dir = makeProject(yaml(b.url, 'stale'));
        const data = tempDataDir();
        const first = await run(dir, data, ['run', 'deploy']);
        expect(first.code).toBe(1); // local never passed
        const [runKey] = await b.keys('offload/runs/stale/');
        const fp = (JSON.parse(await b.read(runKey as string)) as { fingerprint: string }).fingerprint;
        const forged = `offload/passes/stale/local/${fp}.json`;
        await b.plant(forged, '{"version":1,"kind":"offload-pass"');
        const skipped = await run(dir, data, ['run', 'deploy']);
        expect(skipped.code).toBe(1);
        expect(skipped.stderr).toContain(`team evidence: skipped ${forged}: not JSON`);
        expect(skipped.stdout + skipped.stderr).toMatch(/local phase has never passed/);

        const hour = 3_600_000;
        await b.plant(
          'offload/locks/stale/dev.json',
          lockRecord('stale', {
            runId: 'gone-run',
            since: Date.now() - hour,
            leaseMs: 60_000,
            who: 'Ana <ana@example.com>',
            where: 'ana-laptop',
          }),
        );
        const r = await run(dir, data, ['run', 'full']); // local passes here, then the lock is taken over
        expect(r.code, r.stdout + r.stderr).toBe(0);
        expect(r.stderr).toContain(
          'taking over a stale deploy lock: Ana <ana@example.com> at ana-laptop held dev since',
        );
        expect(await b.keys('offload/locks/stale/')).toEqual([]);
      },
      150_000,
    );

    it_(
      'offline: the run passes, says why once, queues its records privately and flushes them on reconnect',
      async () => {
        const proxy = await b.proxy();
        const dir = makeProject(yaml(proxy.url, 'offline'));
        const data = tempDataDir();
        proxy.set('refuse');
        const r = await run(dir, data, ['run', 'local']).finally(() => proxy.set('pass'));
        expect(r.code, r.stdout + r.stderr).toBe(0);
        expect(r.stderr.match(/team evidence unreachable: offline/g)?.length).toBe(1);
        const queue = path.join(data, 'team-queue', 'offline.jsonl');
        expect(fs.statSync(queue).mode & 0o777).toBe(0o600);
        expect(fs.readFileSync(queue, 'utf8').trim().split('\n').length).toBe(2); // the run and its local pass
        expect(await b.keys('offload/runs/offline/')).toEqual([]);

        const back = await run(dir, data, ['run', 'local']).finally(() => proxy.close());
        expect(back.code).toBe(0);
        expect(back.stderr).not.toContain('unreachable');
        expect((await b.keys('offload/runs/offline/')).length).toBe(2);
        expect(fs.existsSync(queue)).toBe(false);
      },
      120_000,
    );

    it_(
      '`offload team` shows the last deploy and the lock holder; `offload unlock` forces the lock open',
      async () => {
        const dir = makeProject(yaml(b.url, 'viewed'));
        const data = tempDataDir();
        expect((await run(dir, data, ['run', 'full'])).code).toBe(0);
        await b.plant(
          'offload/locks/viewed/dev.json',
          lockRecord('viewed', {
            runId: 'r-1',
            since: Date.now(),
            leaseMs: 600_000,
            who: 'Bo <bo@example.com>',
            where: 'bo-laptop',
          }),
        );
        const shown = await run(dir, data, ['team']);
        expect(shown.code, shown.stderr).toBe(0);
        const lines = shown.stdout.trim().split('\n');
        expect(lines[0]).toBe(`team evidence: s3://${BUCKET}/offload`);
        expect(lines[1]).toMatch(
          /^dev locked by Bo <bo@example.com> at bo-laptop since .+ \(deploy, run r-1\), lease until /,
        );
        expect(lines[2]).toMatch(/^last deploy to dev: passed by .+ at .+, \S+ \(full, run [\w-]+\)$/);
        const json = JSON.parse((await run(dir, data, ['team', '--json'])).stdout) as {
          lock: { who: string };
        };
        expect(json.lock.who).toBe('Bo <bo@example.com>');

        const unlocked = await run(dir, data, ['unlock']);
        expect(unlocked.stdout).toMatch(/^unlocked; it was held by: Bo <bo@example.com> at bo-laptop since /);
        expect(await b.keys('offload/locks/viewed/')).toEqual([]);
      },
      120_000,
    );
  });
}
