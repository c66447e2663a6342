/**
 * The bridge's door: every request is checked (count, shapes, values against the current state) before it
 * reaches the core, and answers an envelope — never a stack, never a hang.
 */
import { describe, expect, test } from 'vitest';
import { BridgeInputError, validateRequest } from '../../main/app/bridge-validate';
import { createBridgeHandlers, handleRequest } from '../../main/app/bridge-handlers';
import { isSafeExternalUrl } from '../../main/app/external-url';
import { windowPosition } from '../../main/app/window-position';
import { INVOKE_NAMES } from '../../preload/api';
import type { Offload, OffloadState } from '../../main/core/state';

const st = (over: Partial<OffloadState> = {}): OffloadState => ({
  project: { dir: '/p', name: 'demo', configFile: '/p/offload.yml' },
  configProblems: [],
  run: null,
  history: [],
  workflows: [{ name: 'full', phases: ['local'], allowed: true }],
  machine: null,
  models: [
    {
      pid: 77,
      ppid: 1,
      server: 'ollama',
      title: 'Ollama',
      exe: '',
      cmdline: '',
      cpuPct: 0,
      rssBytes: 1,
      ports: [],
      children: [],
      user: 'u',
    },
  ],
  aws: null,
  monitoringPaused: false,
  notices: [],
  ...over,
});
const refused = (name: string, args: unknown, s = st()) => {
  try {
    validateRequest(name as never, args, s);
  } catch (e) {
    expect(e).toBeInstanceOf(BridgeInputError);
    return (e as Error).message;
  }
  return 'accepted';
};

describe('validateRequest: switchConfig', () => {
  const aws = (configTarget: 'aws' | 'local' | 'unknown') =>
    st({
      aws: { gate: 'ready', services: [], endpoints: [], alarms: [], recentErrors: [], configTarget },
    });
  test('accepts aws or local when offload.yml has switch files', () => {
    expect(validateRequest('switchConfig', ['aws'], aws('local'))).toEqual(['aws']);
    expect(validateRequest('switchConfig', ['local'], aws('aws'))).toEqual(['local']);
  });
  test('refuses other targets and extra arguments', () => {
    expect(refused('switchConfig', ['prod'], aws('local'))).toBe(
      'switchConfig: target must be "aws" or "local"',
    );
    expect(refused('switchConfig', ['aws', 'x'], aws('local'))).not.toBe('accepted');
  });
  test('leaves the decision to the core: files in an unknown state, or none, pass to it', () => {
    expect(validateRequest('switchConfig', ['aws'], aws('unknown'))).toEqual(['aws']);
    expect(validateRequest('switchConfig', ['local'], st())).toEqual(['local']);
  });
});

describe('validateRequest', () => {
  test('accepts well-formed requests and returns clean arguments', () => {
    expect(validateRequest('run', ['full'], st())).toEqual(['full']);
    expect(validateRequest('stopModels', [{ pids: [77, 77] }], st())).toEqual([{ pids: [77] }]);
    expect(validateRequest('stopModels', [{ all: true }], st())).toEqual([{ all: true }]);
    expect(validateRequest('setMonitoringPaused', [false], st())).toEqual([false]);
    expect(validateRequest('runLog', ['20260101-abc', 'local', 'build'], st())).toEqual([
      '20260101-abc',
      'local',
      'build',
    ]);
    expect(validateRequest('getState', [], st())).toEqual([]);
  });

  test('refuses wrong counts, types, unknown names and values the state does not offer', () => {
    expect(refused('nope', [])).toBe('unknown request "nope"');
    expect(refused('getState', [1])).toBe('getState: expected 0 argument(s), got 1');
    expect(refused('run', 'full')).toBe('run: arguments must be a list');
    expect(refused('run', ['deploy-prod'])).toBe('run: unknown workflow "deploy-prod"; available: full');
    expect(refused('run', ['full'], st({ workflows: [] }))).toMatch(/available: none \(no project open\)/);
    expect(refused('run', [{ toString: 'full' }])).toBe('run: workflow name must be a string');
    expect(refused('stopModels', [{ pids: [1] }])).toBe(
      'stopModels: pid 1 is not a local model server Offload is showing',
    );
    expect(refused('stopModels', [{ pids: [0] }])).toMatch(/not a positive integer/);
    expect(refused('stopModels', [{ pids: ['77'] }])).toMatch(/not a positive integer/);
    expect(refused('stopModels', [{ pids: [] }])).toMatch(/non-empty list/);
    expect(refused('stopModels', [{ pids: new Array(65).fill(77) }])).toMatch(/at most 64/);
    expect(refused('stopModels', [{ all: true, pids: [77] }])).toMatch(/either pids or all/);
    expect(refused('stopModels', [{ all: 'yes' }])).toMatch(/all must be true/);
    expect(refused('stopModels', [{ dryRun: false, all: true }])).toMatch(/unexpected field\(s\) dryRun/);
    expect(refused('stopModels', [[77]])).toMatch(/expected an object/);
    expect(refused('setMonitoringPaused', [1])).toBe('setMonitoringPaused: expected true or false');
    expect(refused('runLog', ['../x', 'local', 's'])).toBe('runLog: invalid run id');
    expect(refused('runLog', ['r', 'deploy', 's'])).toMatch(/phase must be one of local, aws-prepare/);
    expect(refused('runLog', ['r', 'local', 's'], st({ project: null }))).toBe('runLog: no project is open');
    expect(refused('openExternal', ['http://console.aws.amazon.com/'])).toMatch(
      /only https AWS console links/,
    );
  });

  test('every request of the contract has a validator', () => {
    for (const name of INVOKE_NAMES)
      expect(refused(name, 'not-a-list')).toBe(`${name}: arguments must be a list`);
  });
});

describe('handleRequest', () => {
  const calls: unknown[][] = [];
  const core = {
    state: () => st(),
    run: async (w: string) => {
      calls.push(['run', w]);
      throw Object.assign(new Error('gate: local phase failed'), { stack: 'SECRET STACK' });
    },
    cancel: async () => void calls.push(['cancel']),
  } as unknown as Offload;
  const handlers = createBridgeHandlers(core, {
    openExternal: async () => undefined,
    chooseProject: async () => undefined,
    writeClipboard: () => undefined,
  });

  test('answers { result } or { error } (message only), and refusals never reach the core', async () => {
    expect(await handleRequest(handlers, core, 'cancel', [])).toEqual({ result: null });
    expect(await handleRequest(handlers, core, 'run', ['full'])).toEqual({
      error: 'gate: local phase failed',
    });
    expect(await handleRequest(handlers, core, 'run', ['other'])).toEqual({
      error: 'refused: run: unknown workflow "other"; available: full',
    });
    expect(await handleRequest(handlers, core, '__proto__', [])).toEqual({
      error: 'refused: unknown request "__proto__"',
    });
    expect(calls).toEqual([['cancel'], ['run', 'full']]);
  });
});

describe('isSafeExternalUrl', () => {
  test('only https AWS console links', () => {
    expect(
      isSafeExternalUrl('https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups'),
    ).toBe(true);
    expect(isSafeExternalUrl('https://eu-west-1.console.aws.amazon.com/cloudwatch/home')).toBe(true);
    for (const bad of [
      'http://console.aws.amazon.com/',
      'https://console.aws.amazon.com.evil.example/',
      'https://evilconsole.aws.amazon.com/',
      'https://user:pw@console.aws.amazon.com/',
      'https://console.aws.amazon.com:8443/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'not a url',
    ]) {
      expect(isSafeExternalUrl(bad), bad).toBe(false);
    }
  });
});

describe('windowPosition', () => {
  const work = { x: 0, y: 25, width: 1920, height: 1055 };
  const size = { width: 400, height: 560 };
  test('below a top tray, above a bottom tray, inside the work area', () => {
    expect(windowPosition({ x: 1800, y: 0, width: 24, height: 24 }, work, size)).toEqual({ x: 1512, y: 33 });
    const bottom = windowPosition(
      { x: 100, y: 1050, width: 24, height: 30 },
      { x: 0, y: 0, width: 1920, height: 1040 },
      size,
    );
    expect(bottom).toEqual({ x: 8, y: 472 });
  });
  test('an empty tray rectangle (common on Linux) puts it top-right', () => {
    expect(windowPosition({ x: 0, y: 0, width: 0, height: 0 }, work, size)).toEqual({ x: 1512, y: 33 });
    expect(windowPosition(undefined, work, size)).toEqual({ x: 1512, y: 33 });
  });
});

describe('validateRequest: trustProject', () => {
  test('takes no arguments and needs an open project', () => {
    const untrusted = st({
      trust: { trusted: false, reason: 'never', actions: ['local › Build: run make'] },
    });
    expect(validateRequest('trustProject', [], untrusted)).toEqual([]);
    expect(refused('trustProject', ['/somewhere/else'], untrusted)).not.toBe('accepted');
    expect(refused('trustProject', [], st({ project: null, trust: null }))).toMatch(/no project is open/);
  });
});

describe('phase 6 requests: copyErrorContext, redeploy, backToLocal', () => {
  const aws = (configTarget: 'aws' | 'local' | 'unknown') =>
    st({
      aws: { gate: 'ready', services: [], endpoints: [], alarms: [], recentErrors: [], configTarget },
      workflows: [
        { name: 'full', phases: ['local'], allowed: true },
        { name: 'services', phases: ['aws-deploy'], allowed: true },
      ],
    });
  test('validated: no arguments, and only where they can mean something', () => {
    expect(validateRequest('copyErrorContext', [], st())).toEqual([]);
    expect(refused('copyErrorContext', ['x'])).toMatch(/expected 0 argument/);
    expect(refused('copyErrorContext', [], st({ project: null }))).toMatch(/no project is open/);
    expect(validateRequest('redeploy', [], aws('aws'))).toEqual([]);
    expect(refused('redeploy', [], st())).toMatch(/no services workflow/);
    expect(refused('redeploy', ['services'], aws('aws'))).toMatch(/expected 0 argument/);
    expect(validateRequest('backToLocal', [], aws('aws'))).toEqual([]);
    expect(refused('backToLocal', [], aws('unknown'))).toMatch(/no `switch:` files/);
    expect(refused('backToLocal', [], st())).toMatch(/no `switch:` files/);
    expect(refused('acknowledgePhase6', [], st())).toMatch(/phase 6 is not unstable/);
    expect(validateRequest('acknowledgePhase6', [], st({ phase6: { status: 'unstable' } }))).toEqual([]);
    expect(refused('acknowledgePhase6', ['x'], st({ phase6: { status: 'unstable' } }))).toMatch(
      /expected 0 argument/,
    );
  });

  test('handled: the context goes to the clipboard, redeploy runs services, back to local switches', async () => {
    const calls: unknown[][] = [];
    const clip: string[] = [];
    const base = {
      state: () => aws('aws'),
      run: async (w: string) => (calls.push(['run', w]), { runId: 'r', workflow: w, status: 'passed' }),
      switchConfig: async (t: string) => void calls.push(['switch', t]),
    };
    const shell = {
      openExternal: async () => undefined,
      chooseProject: async () => undefined,
      writeClipboard: (t: string) => void clip.push(t),
    };
    // A core without errorContext (older core): a clear error, nothing on the clipboard.
    const old = base as unknown as Offload;
    expect(await handleRequest(createBridgeHandlers(old, shell), old, 'copyErrorContext', [])).toEqual({
      error: 'error context is not available in this version of Offload',
    });
    const core = {
      ...base,
      errorContext: async () => '## Error\n\n```\nERROR boom\n```\n',
    } as unknown as Offload;
    const h = createBridgeHandlers(core, shell);
    expect(await handleRequest(h, core, 'copyErrorContext', [])).toEqual({
      result: '## Error\n\n```\nERROR boom\n```\n',
    });
    expect(clip).toEqual(['## Error\n\n```\nERROR boom\n```\n']);
    expect(await handleRequest(h, core, 'redeploy', [])).toMatchObject({ result: { workflow: 'services' } });
    expect(await handleRequest(h, core, 'backToLocal', [])).toEqual({ result: null });
    expect(calls).toEqual([
      ['run', 'services'],
      ['switch', 'local'],
    ]);
  });
});
