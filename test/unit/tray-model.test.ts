/**
 * The tray as data, from core state, without Electron: icon state and tooltip, which menu items exist,
 * which are enabled and why not, and the per-OS icon files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { AwsSnapshot, OffloadState, RunSnapshot } from '../../main/core/state';
import { buildTrayMenu, trayIcon, type MenuItemModel } from '../../main/app/tray-model';
import { allTrayIconFiles, trayIconFile, traySupport } from '../../main/app/tray-platform';

const ui = { launchAtLogin: false };

function state(over: Partial<OffloadState> = {}): OffloadState {
  return {
    project: { dir: '/p', name: 'demo', configFile: '/p/offload.yml' },
    configProblems: [],
    run: null,
    history: [],
    workflows: [
      { name: 'local', phases: ['local'], allowed: true },
      {
        name: 'full',
        phases: ['local', 'aws-prepare', 'aws-deploy', 'aws-test', 'shutdown', 'monitor'],
        allowed: true,
      },
      {
        name: 'services',
        phases: ['aws-deploy'],
        allowed: false,
        reason: 'local phase has not passed on this fingerprint',
      },
      { name: 'infrastructure', phases: ['aws-prepare'], allowed: true },
      { name: 'test', phases: ['aws-test'], allowed: false, reason: 'nothing deployed yet' },
      {
        name: 'shutdown',
        phases: ['shutdown'],
        allowed: false,
        reason: 'AWS is not ready: service api 0/2 running',
      },
    ],
    machine: {
      at: '2026-01-01T00:00:00Z',
      cpu: { loadPct: 42.4, cores: 8 },
      mem: { totalBytes: 16e9, usedBytes: 8e9, availableBytes: 8e9, swapTotalBytes: 0, swapUsedBytes: 0 },
      gpus: [{ index: 0, name: 'RTX', vendor: 'nvidia', utilizationPct: 91 }],
      history: { cpu: [], mem: [], gpu: [] },
      alerts: [],
    },
    models: [],
    aws: null,
    monitoringPaused: false,
    notices: [],
    ...over,
  };
}
const running: RunSnapshot = {
  runId: 'r1',
  workflow: 'full',
  status: 'running',
  startedAt: '2026-01-01T00:00:00Z',
  fingerprint: 'f',
  phases: [],
  current: { phase: 'local', step: 'Tests' },
  tail: [],
};
const model = {
  pid: 4242,
  ppid: 1,
  server: 'llama.cpp',
  title: 'llama.cpp server',
  exe: '/bin/llama-server',
  cmdline: 'llama-server',
  cpuPct: 1,
  rssBytes: 4e9,
  ports: [8080],
  children: [],
  user: 'me',
};
const byId = (items: MenuItemModel[], id: string) => items.find((i) => i.id === id)!;

describe('trayIcon', () => {
  test('idle with nothing going on; tooltip summarises CPU/GPU/RAM, the run and AWS', () => {
    const icon = trayIcon(state());
    expect(icon.state).toBe('idle');
    expect(icon.tooltip).toBe('Offload — demo\nIdle\nCPU 42% · GPU 91% · RAM 50%\nAWS: not watched');
    expect(icon.meter).toBe(91);
    expect(icon.tooltip.length).toBeLessThanOrEqual(127);
  });

  test('precedence: running > failed > warning > ready > idle', () => {
    const ready: AwsSnapshot = {
      gate: 'ready',
      services: [],
      endpoints: [],
      alarms: [],
      recentErrors: [],
      configTarget: 'aws',
    };
    expect(trayIcon(state({ aws: { ...ready } })).state).toBe('ready');
    expect(trayIcon(state({ aws: { ...ready }, models: [model] })).state).toBe('warning');
    expect(trayIcon(state({ aws: { ...ready }, run: { ...running, status: 'failed' } })).state).toBe(
      'failed',
    );
    expect(trayIcon(state({ aws: { ...ready }, run: running })).state).toBe('running');
    expect(trayIcon(state({ aws: { ...ready, alarms: [{ name: 'api-5xx', state: 'ALARM' }] } })).state).toBe(
      'failed',
    );
    const pressure = state();
    pressure.machine!.alerts.push({ id: 'ram', message: 'RAM 95% used', since: 'x', topModels: [] });
    expect(trayIcon(pressure).state).toBe('warning');
    expect(trayIcon(state({ aws: { ...ready, gate: 'unknown' } })).state).toBe('idle');
  });

  test('unknown readings are shown as unknown, never as 0%', () => {
    const icon = trayIcon(state({ machine: null, project: null }));
    expect(icon.tooltip).toContain('CPU – · GPU – · RAM –');
    expect(icon.tooltip).toContain('AWS: no project');
    expect(icon.meter).toBeUndefined();
  });

  test('while running, the tooltip names the phase and step', () => {
    expect(trayIcon(state({ run: running })).tooltip).toContain('⏳ full: Local — Tests');
  });
});

describe('trayIcon: not deployed', () => {
  test('drift shows the not-deployed icon and says so in the menu header, below failures and warnings', () => {
    const drift = {
      changed: 7,
      byFolder: { src: 5, tests: 2 },
      files: [],
      deployedRunId: 'r1',
      deployedAt: '2026-12-02T10:00:00Z',
    };
    expect(trayIcon(state({ drift })).state).toBe('drift');
    expect(buildTrayMenu(state({ drift }), ui)[0]!.label).toMatch(
      /not deployed: 7 files changed since the deployed version/,
    );
    expect(trayIcon(state({ drift: null })).state).not.toBe('drift');
    expect(
      trayIcon(state({ drift, configProblems: [{ file: 'f', line: 1, column: 1, path: '', message: 'x' }] }))
        .state,
    ).toBe('warning');
  });
});

describe('buildTrayMenu', () => {
  test('has the header, the six built-in entry points, window, monitoring, project, login and quit, in order', () => {
    const ids = buildTrayMenu(state(), ui)
      .filter((i) => i.type !== 'separator')
      .map((i) => i.id);
    expect(ids).toEqual([
      'header:status',
      'header:machine',
      'entry:local',
      'entry:full',
      'entry:services',
      'entry:infrastructure',
      'entry:test',
      'entry:shutdown',
      'copy-error',
      'acknowledge-phase6',
      'redeploy',
      'back-to-local',
      'open-window',
      'toggle-monitoring',
      'open-config',
      'choose-project',
      'launch-at-login',
      'quit',
    ]);
  });

  test('an untrusted project offers the review in the window; a trusted one does not', () => {
    const untrusted = buildTrayMenu(state({ trust: { trusted: false, reason: 'changed', actions: [] } }), ui);
    expect(byId(untrusted, 'trust')).toMatchObject({
      enabled: true,
      label: 'offload.yml changed: review and trust again…',
      action: { type: 'open-window' },
    });
    const trusted = buildTrayMenu(state({ trust: { trusted: true, actions: [] } }), ui);
    expect(trusted.some((i) => i.id === 'trust')).toBe(false);
  });

  test('entry points not allowed now are disabled, with the gate that is missing in label and reason', () => {
    const m = buildTrayMenu(state(), ui);
    expect(byId(m, 'entry:local')).toMatchObject({
      enabled: true,
      label: 'Run local build & tests',
      action: { type: 'run', workflow: 'local' },
    });
    expect(byId(m, 'entry:full')).toMatchObject({
      enabled: true,
      label: 'Run full workflow',
      action: { type: 'run', workflow: 'full' },
    });
    const svc = byId(m, 'entry:services');
    expect(svc.enabled).toBe(false);
    expect(svc.reason).toBe('local phase has not passed on this fingerprint');
    expect(svc.label).toBe('Deploy services only — local phase has not passed on this fingerprint');
    expect(byId(m, 'entry:shutdown').label).toBe(
      'Shut down local models — AWS is not ready: service api 0/2 running',
    );
  });

  test('long reasons are shortened in the label but kept whole in `reason`', () => {
    const long = 'x'.repeat(200);
    const m = buildTrayMenu(
      state({ workflows: [{ name: 'full', phases: ['local'], allowed: false, reason: long }] }),
      ui,
    );
    expect(byId(m, 'entry:full').label.length).toBeLessThan(90);
    expect(byId(m, 'entry:full').reason).toBe(long);
  });

  test('while a workflow runs: every entry disabled for that reason, Cancel offered, project switching disabled', () => {
    const m = buildTrayMenu(state({ run: running }), ui);
    for (const id of ['entry:local', 'entry:full', 'entry:infrastructure']) {
      expect(byId(m, id)).toMatchObject({ enabled: false, reason: 'a workflow is running' });
    }
    expect(byId(m, 'cancel')).toMatchObject({ enabled: true, action: { type: 'cancel' } });
    expect(byId(m, 'choose-project').enabled).toBe(false);
    expect(byId(m, 'header:status').label).toContain('⏳ Local build, tests and dev-system check');
  });

  test('first run without a project: model servers can still be stopped, and a project can be chosen or created', () => {
    const none = state({ project: null, workflows: [], models: [] });
    let m = buildTrayMenu(none, ui);
    expect(byId(m, 'entry:full')).toMatchObject({ enabled: false, reason: 'no project chosen' });
    expect(byId(m, 'entry:shutdown')).toMatchObject({
      enabled: false,
      reason: 'no local model servers running',
      action: { type: 'stop-models' },
    });
    expect(byId(m, 'init-project')).toMatchObject({
      enabled: true,
      label: 'Create offload.yml in a folder…',
    });
    expect(m.some((i) => i.id === 'open-config')).toBe(false);
    expect(byId(m, 'header:status').label).toBe('Offload: no project chosen');
    m = buildTrayMenu({ ...none, models: [model] }, ui);
    expect(byId(m, 'entry:shutdown')).toMatchObject({ enabled: true, action: { type: 'stop-models' } });
    expect(byId(m, 'header:machine').label).toBe('1 local model server(s)');
  });

  test('monitoring and launch-at-login items follow their state', () => {
    let m = buildTrayMenu(state({ monitoringPaused: true }), { launchAtLogin: true });
    expect(byId(m, 'toggle-monitoring').label).toBe('Resume monitoring');
    expect(byId(m, 'launch-at-login')).toMatchObject({ type: 'checkbox', checked: true, enabled: true });
    m = buildTrayMenu(state(), {
      launchAtLogin: false,
      loginUnsupported: 'add Offload to your desktop’s autostart instead',
    });
    expect(byId(m, 'launch-at-login')).toMatchObject({ enabled: false, checked: false });
  });

  test('the dev-config switch is offered towards the other side only when offload.yml has switch files', () => {
    const aws = (configTarget: 'aws' | 'local' | 'unknown') =>
      state({
        aws: { gate: 'ready', services: [], endpoints: [], alarms: [], recentErrors: [], configTarget },
      });
    expect(buildTrayMenu(aws('local'), ui).find((i) => i.id === 'switch-config')?.action).toEqual({
      type: 'switch-config',
      target: 'aws',
    });
    const back = buildTrayMenu(aws('aws'), ui).find((i) => i.id === 'switch-config')!;
    expect(back.label).toMatch(/back at local/);
    expect(back.action).toEqual({ type: 'switch-config', target: 'local' });
    expect(buildTrayMenu(aws('unknown'), ui).some((i) => i.id === 'switch-config')).toBe(false);
    expect(buildTrayMenu(state(), ui).some((i) => i.id === 'switch-config')).toBe(false);
  });

  test('config problems are in the header', () => {
    const m = buildTrayMenu(
      state({
        configProblems: [{ file: '/p/offload.yml', line: 3, column: 5, path: 'phases', message: 'bad' }],
      }),
      ui,
    );
    expect(byId(m, 'header:status').label).toBe('Offload — demo: offload.yml has 1 problem(s)');
  });

  test('live machine readings do not change the menu (so it is not rebuilt every second)', () => {
    const a = state();
    const b = state();
    b.machine!.cpu.loadPct = 3;
    b.machine!.mem.usedBytes = 1e9;
    expect(JSON.stringify(buildTrayMenu(a, ui))).toBe(JSON.stringify(buildTrayMenu(b, ui)));
  });
});

describe('tray icons per OS', () => {
  test('macOS uses Template images, Windows .ico (Dark on a dark taskbar), Linux PNG', () => {
    expect(trayIconFile('running', 'darwin', true)).toBe('tray-icon-runningTemplate.png');
    expect(trayIconFile('failed', 'win32', false)).toBe('tray-icon-failed.ico');
    expect(trayIconFile('failed', 'win32', true)).toBe('tray-icon-failedDark.ico');
    expect(trayIconFile('ready', 'linux', true)).toBe('tray-icon-readyDark.png');
    expect(trayIconFile('idle', 'linux', false)).toBe('tray-icon-idle.png');
  });

  test('every icon file the app can ask for exists and is a PNG or ICO of the right size', () => {
    const dir = path.resolve(__dirname, '../../resources/tray');
    for (const f of allTrayIconFiles()) {
      const buf = fs.readFileSync(path.join(dir, f));
      if (f.endsWith('.png')) {
        expect(buf.subarray(1, 4).toString(), f).toBe('PNG');
        expect(buf.readUInt32BE(16), f).toBe(f.includes('@2x') ? 32 : 16);
      } else {
        expect(buf.readUInt16LE(2), f).toBe(1); // ICO type
        expect(buf.readUInt16LE(4), f).toBe(2); // 16 and 32 px
      }
    }
  });

  test('tray support: Linux needs a StatusNotifier host; GNOME without one is told why', () => {
    expect(traySupport('darwin', {}, undefined)).toEqual({ available: true });
    expect(traySupport('linux', { XDG_CURRENT_DESKTOP: 'KDE' }, true)).toEqual({ available: true });
    expect(traySupport('linux', { XDG_CURRENT_DESKTOP: 'ubuntu:GNOME' }, false)).toEqual({
      available: false,
      reason: 'GNOME shows no tray icons without the AppIndicator extension',
    });
    expect(traySupport('linux', { XDG_CURRENT_DESKTOP: 'XFCE' }, false).available).toBe(false);
    expect(traySupport('linux', { XDG_CURRENT_DESKTOP: 'GNOME' }, undefined).available).toBe(false);
    expect(traySupport('linux', {}, undefined).available).toBe(true);
  });
});

describe('phase 6 in the tray: summary tooltip, Copy last error, Redeploy after fix, Back to local', () => {
  const awsState = (over: Partial<AwsSnapshot> = {}): AwsSnapshot => ({
    gate: 'ready',
    services: [],
    endpoints: [],
    alarms: [],
    recentErrors: [],
    configTarget: 'aws',
    ...over,
  });
  const err = {
    logGroup: '/ecs/api',
    at: '2026-01-01T00:00:00Z',
    message: 'ERROR boom',
    count: 1,
    consoleUrl: 'https://console.aws.amazon.com/cloudwatch/home',
    deployment: 'after deploy of abc1234, 4 min ago',
  };

  test('the tooltip leads with what needs attention first', () => {
    const failed = { ...running, status: 'failed' as const, current: undefined };
    expect(trayIcon(state({ run: failed })).tooltip.split('\n')[1]).toBe('❌ full failed');
    const tip = trayIcon(
      state({ aws: awsState({ gate: 'not-ready', reason: 'service api 0/2 running' }) }),
    ).tooltip;
    expect(tip.split('\n')[1]).toBe('Dev tools point at AWS, but AWS is not ready: service api 0/2 running');
    const unstable = {
      ...state({ aws: awsState() }),
      phase6: {
        status: 'unstable' as const,
        firstError: { at: err.at, message: 'ERROR boom' },
        deployment: { runId: 'r', at: err.at, summary: 'abc1234 · api → dev-api:42' },
      },
    };
    expect(trayIcon(unstable).tooltip.split('\n')[1]).toBe('❌ Unstable after deploy of abc1234: ERROR boom');
    expect(trayIcon(unstable).state).toBe('failed');
    expect(trayIcon(state({ aws: awsState() })).tooltip.split('\n')[1]).toBe(
      '✅ AWS ready, dev tools point at AWS',
    );
    for (const s of [unstable, state({ run: failed }), state()])
      expect(trayIcon(s).tooltip.length).toBeLessThanOrEqual(127);
  });

  test('each item is disabled with the reason when it cannot run', () => {
    const menu = buildTrayMenu(state({ aws: awsState({ configTarget: 'local' }) }), ui);
    expect(byId(menu, 'copy-error')).toMatchObject({
      enabled: false,
      reason: 'no error yet',
      label: 'Copy last error — no error yet',
    });
    expect(byId(menu, 'redeploy')).toMatchObject({
      enabled: false,
      reason: 'local phase has not passed on this fingerprint',
      action: { type: 'redeploy' },
    });
    expect(byId(menu, 'back-to-local')).toMatchObject({
      enabled: false,
      reason: 'dev tools already point at local',
    });
    expect(byId(buildTrayMenu(state(), ui), 'back-to-local').reason).toBe('offload.yml has no switch: files');
    expect(byId(menu, 'acknowledge-phase6')).toMatchObject({
      enabled: false,
      reason: 'nothing unstable to acknowledge',
    });
    const unstable = {
      ...state(),
      phase6: { status: 'unstable' as const, since: '2026-12-01T10:03:00.000Z' },
    };
    expect(byId(buildTrayMenu(unstable, ui), 'acknowledge-phase6')).toMatchObject({
      enabled: true,
      label: 'Cause resolved: watch again',
      action: { type: 'acknowledge-phase6' },
    });
    const busy = buildTrayMenu(
      state({
        run: running,
        workflows: state().workflows.map((w) => ({ ...w, allowed: true, reason: undefined })),
      }),
      ui,
    );
    expect(byId(busy, 'redeploy').reason).toBe('a workflow is running');
  });

  test('enabled when they can: an error to copy, services allowed, the tools pointing at AWS', () => {
    const s = state({
      aws: awsState({ recentErrors: [err] }),
      workflows: state().workflows.map((w) =>
        w.name === 'services' ? { ...w, allowed: true, reason: undefined } : w,
      ),
    });
    const menu = buildTrayMenu(s, ui);
    expect(byId(menu, 'copy-error')).toMatchObject({
      enabled: true,
      label: 'Copy last error',
      action: { type: 'copy-error' },
    });
    expect(byId(menu, 'redeploy')).toMatchObject({ enabled: true, label: 'Redeploy after fix' });
    expect(byId(menu, 'back-to-local')).toMatchObject({ enabled: true, action: { type: 'back-to-local' } });
    // Phase 6's first error alone (no CloudWatch error listed any more) is still something to copy.
    const p6 = {
      ...state(),
      phase6: { status: 'unstable' as const, firstError: { at: err.at, message: 'x' } },
    };
    expect(byId(buildTrayMenu(p6, ui), 'copy-error').enabled).toBe(true);
  });
});

describe('project text in the tray', () => {
  const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/u;
  test('a step name, a project name and a reason with bidi controls show them as ⟨U+…⟩ in tooltip and menu', () => {
    const s = state({
      project: { dir: '/p', name: 'de\u200fmo', configFile: '/p/offload.yml' },
      run: { ...running, current: { phase: 'local', step: 'Te\u202ests' } },
    });
    s.workflows = s.workflows.map((w) =>
      w.name === 'services' ? { ...w, reason: 'step "a\u202eb" failed\u001b]0;x\u0007' } : w,
    );
    const tip = trayIcon(s).tooltip;
    expect(tip).toContain('de⟨U+200F⟩mo');
    expect(tip).toContain('Te⟨U+202E⟩sts');
    expect(tip).not.toMatch(RAW);
    const menu = buildTrayMenu(s, ui);
    const text = menu.map((i) => `${i.label}\n${i.reason ?? ''}`).join('\n');
    expect(text).toContain('a⟨U+202E⟩b');
    expect(text).not.toMatch(RAW);
  });
});
