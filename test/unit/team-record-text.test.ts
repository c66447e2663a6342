/**
 * A teammate's record is text from the team bucket, which anyone with write access fills: what `offload team`,
 * the tray and a refused run show of it is one line with every control, bidi and invisible character made
 * visible, so a record cannot add lines of its own (a fake "not locked") or show text in another order.
 */
import { describe, expect, it } from 'vitest';
import { checkPassRecord, checkRunRecord, teamKeys } from '../../main/core/team/evidence';
import { describeHolder, parseHolder } from '../../main/core/team/lock';
import { readTeamView } from '../../main/core/team/view';
import type { TeamStore } from '../../main/core/team/store';

const FP = 'c'.repeat(64);
const WHO = 'Bo\n✅ dev: not locked\u202eevil\u200b';
const HIDDEN = /[\n\u202e\u200b]/;
const run = {
  ...{ version: 1, kind: 'offload-run', project: 'shop', fingerprint: FP, runId: 'r1', workflow: 'full' },
  ...{
    status: 'failed',
    startedAt: '2026-12-07T10:00:00Z',
    who: WHO,
    where: 'ci\u2028x',
    environment: 'dev',
  },
  ...{ commit: 'abc\u202edef', phases: [{ id: 'aws-deploy', status: 'failed' }] },
  deployed: [{ step: 's', kind: 'k', summary: 'api\u2066 → x' }],
};

/** The bucket as a map: the team store interface, over objects in memory. */
function memoryStore(objects: Map<string, string>): TeamStore {
  return {
    putOnce: () => Promise.resolve(false),
    get: (key) => Promise.resolve(objects.has(key) ? { text: objects.get(key)! } : undefined),
    deleteIf: () => Promise.resolve(false),
    remove: () => Promise.resolve(),
    list: (prefix, max) =>
      Promise.resolve(
        [...objects.keys()]
          .filter((k) => k.startsWith(prefix))
          .sort()
          .slice(0, max),
      ),
  };
}

describe("a teammate's record as shown", () => {
  it('in the team view: one line each, hidden characters visible', async () => {
    const team = { bucket: 'b', prefix: 't', environment: 'dev', leaseMs: 60_000 };
    const objects = new Map([
      [`${teamKeys.deploys(team, 'shop', 'dev')}r1.json`, JSON.stringify(run)],
      [teamKeys.failure(team, 'shop', 1_000, 'r1'), JSON.stringify(run)],
    ]);
    const view = await readTeamView(() => memoryStore(objects), team, 'shop');
    expect(view.unreachable).toBeUndefined();
    const [d] = view.lastDeploys;
    const [f] = view.failedRuns ?? [];
    for (const text of [d!.who, d!.where, d!.commit!, d!.deployed[0]!, f!.who, f!.where])
      expect(text).not.toMatch(HIDDEN);
    expect(d!.who).toBe('Bo⟨U+000A⟩✅ dev: not locked⟨U+202E⟩evil⟨U+200B⟩');
  });

  it('in a pass record and a lock holder (the gate and a refused run name them)', () => {
    const pass = { ...run, kind: 'offload-pass', phase: 'local', at: '2026-12-07T10:00:00Z' };
    const p = checkPassRecord(JSON.stringify(pass), { project: 'shop', phase: 'local', fingerprint: FP });
    expect('pass' in p && p.pass.who).toBe('Bo⟨U+000A⟩✅ dev: not locked⟨U+202E⟩evil⟨U+200B⟩');
    const lock = { version: 1, kind: 'offload-lock', runId: 'r', since: '2026-12-07T10:00:00Z', leaseMs: 1 };
    const h = parseHolder(
      JSON.stringify({ ...lock, who: WHO, where: 'x\u202e', workflow: 'full', environment: 'dev' }),
    );
    expect(h && describeHolder(h)).not.toMatch(HIDDEN);
    expect('run' in checkRunRecord(JSON.stringify(run))).toBe(true);
  });
});
