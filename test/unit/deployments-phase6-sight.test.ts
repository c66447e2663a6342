// Phase 6 is stable only on evidence: a CloudWatch watch that fails, or one with nothing to watch, says so.
import { describe, expect, it } from 'vitest';
import { NOTHING_TO_WATCH, phase6Status, type DeploymentIdentity } from '../../main/core/deployments';
import { attention } from '../../main/core/format';
import type { OffloadState } from '../../main/core/state';

const AT = Date.parse('2026-12-02T10:00:00.000Z');
const QUIET = 15 * 60_000;
const dep: DeploymentIdentity = {
  runId: 'r1',
  workflow: 'full',
  at: new Date(AT).toISOString(),
  fingerprint: 'f',
  commit: 'abc1234',
  items: [],
};
const DENIED = 'AccessDenied: not allowed logs:FilterLogEvents on /ecs/api';

describe('phase6Status without evidence', () => {
  it('a watch that cannot read CloudWatch through the quiet period is not stable: it names the cause', () => {
    const p = phase6Status(dep, [], {
      now: AT + QUIET + 60_000,
      quietMs: QUIET,
      cloudwatch: { configured: true, blind: DENIED },
    });
    expect(p).toMatchObject({
      status: 'unobserved',
      blind: true,
      reason: `cannot see CloudWatch: ${DENIED}`,
    });
    // Within the quiet period too: "watching" would claim a watch that sees nothing.
    expect(
      phase6Status(dep, [], {
        now: AT + 60_000,
        quietMs: QUIET,
        cloudwatch: { configured: true, blind: DENIED },
      }).status,
    ).toBe('unobserved');
  });

  it('nothing configured to watch is not stable either; an error seen earlier still makes it unstable', () => {
    const p = phase6Status(dep, [], {
      now: AT + 2 * QUIET,
      quietMs: QUIET,
      cloudwatch: { configured: false },
    });
    expect(p).toMatchObject({ status: 'unobserved', reason: NOTHING_TO_WATCH });
    expect(p.blind).toBeUndefined();
    const signal = { at: AT + 60_000, message: 'New error in /ecs/api: boom', source: '/ecs/api' };
    expect(
      phase6Status(dep, [signal], {
        now: AT + 2 * QUIET,
        quietMs: QUIET,
        cloudwatch: { configured: true, blind: DENIED },
      }).status,
    ).toBe('unstable');
  });

  it('the tray tooltip and window summary say it beside "AWS ready", as a warning when the watch is blind', () => {
    const phase6 = phase6Status(dep, [], {
      now: AT + 2 * QUIET,
      quietMs: QUIET,
      cloudwatch: { configured: true, blind: DENIED },
    });
    const state = {
      configProblems: [],
      project: { dir: '/p', name: 'p', configFile: '/p/offload.yml' },
      run: null,
      aws: {
        gate: 'ready',
        services: [],
        endpoints: [],
        alarms: [],
        recentErrors: [],
        configTarget: 'local',
      },
      phase6,
    } as unknown as OffloadState;
    const a = attention(state, AT + 2 * QUIET);
    expect(a.level).toBe('warning');
    expect(a.text).toContain('⏳ cannot see CloudWatch: AccessDenied');
    expect(a.text).not.toContain('stable');
  });
});
