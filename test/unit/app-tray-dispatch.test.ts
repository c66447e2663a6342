// The tray's actions (tray-dispatch.ts) and the project chooser (choose-project.ts), driven by fakes of the core,
// the dialogs and the OS: each action reaches its one command, and a failing one is reported under its title.
import { describe, expect, it } from 'vitest';
import { createTrayDispatch, type TrayDispatchDeps } from '../../main/app/tray-dispatch';
import { chooseProject, projectChoice } from '../../main/app/choose-project';
import type { TrayAction } from '../../main/app/tray-model';

/** A dispatcher over fakes that record every call; `fail` names the core commands that reject. */
function fakeDispatch(o: { fail?: string[]; paused?: boolean; project?: boolean } = {}) {
  const calls: string[] = [];
  const reports: string[] = [];
  const cmd = (name: string, ...args: unknown[]) => {
    calls.push([name, ...args.map((a) => JSON.stringify(a))].join(' '));
    return o.fail?.includes(name) ? Promise.reject(new Error(`${name} broke`)) : Promise.resolve();
  };
  const deps: TrayDispatchDeps = {
    core: {
      run: (w) => cmd('run', w) as never,
      cancel: () => cmd('cancel'),
      stopModels: (x) => cmd('stopModels', x) as never,
      switchConfig: (t) => cmd('switchConfig', t),
      setMonitoringPaused: (p) => void cmd('setMonitoringPaused', p),
      acknowledgePhase6: (by) => cmd('acknowledgePhase6', by) as never,
      state: () => ({
        monitoringPaused: o.paused ?? false,
        project: o.project ? ({ configFile: '/p/offload.yml' } as never) : null,
      }),
    },
    errorContext: () => cmd('errorContext').then(() => '# error'),
    writeClipboard: (t) => void calls.push(`clipboard ${t}`),
    openPath: (p) => void calls.push(`openPath ${p}`),
    showWindow: () => void calls.push('showWindow'),
    chooseProject: (init) => cmd('chooseProject', init),
    toggleLogin: () => void calls.push('toggleLogin'),
    quit: () => void calls.push('quit'),
    report: (title, err) => void reports.push(`${title}: ${(err as Error).message}`),
  };
  return { dispatch: createTrayDispatch(deps), calls, reports };
}
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('createTrayDispatch', () => {
  it('sends each action to its one command', async () => {
    const f = fakeDispatch({ project: true, paused: true });
    const actions: TrayAction[] = [
      { type: 'run', workflow: 'full' },
      { type: 'cancel' },
      { type: 'stop-models' },
      { type: 'switch-config', target: 'aws' },
      { type: 'copy-error' },
      { type: 'redeploy' },
      { type: 'back-to-local' },
      { type: 'open-window' },
      { type: 'toggle-monitoring' },
      { type: 'open-config' },
      { type: 'choose-project' },
      { type: 'init-project' },
      { type: 'toggle-login' },
      { type: 'quit' },
    ];
    for (const a of actions) f.dispatch(a);
    await settle();
    expect(f.calls).toEqual([
      'run "full"',
      'cancel',
      'stopModels {"all":true}',
      'switchConfig "aws"',
      'errorContext',
      'run "services"',
      'switchConfig "local"',
      'showWindow',
      'setMonitoringPaused false',
      'openPath /p/offload.yml',
      'chooseProject false',
      'chooseProject true',
      'toggleLogin',
      'quit',
      'clipboard # error',
    ]);
    expect(f.reports).toEqual([]);
  });

  it('without a project, "open config" does nothing', () => {
    const f = fakeDispatch();
    f.dispatch({ type: 'open-config' });
    f.dispatch({ type: 'toggle-monitoring' });
    expect(f.calls).toEqual(['setMonitoringPaused true']);
  });

  it('reports each failing command under its own title', async () => {
    const f = fakeDispatch({
      fail: ['run', 'stopModels', 'switchConfig', 'errorContext', 'chooseProject'],
    });
    for (const a of [
      { type: 'run', workflow: 'local' },
      { type: 'redeploy' },
      { type: 'stop-models' },
      { type: 'switch-config', target: 'aws' },
      { type: 'back-to-local' },
      { type: 'copy-error' },
      { type: 'init-project' },
    ] as TrayAction[])
      f.dispatch(a);
    await settle();
    // Each in its own time (the error context fails one step later): compared as a set.
    expect([...f.reports].sort()).toEqual([
      'Could not copy the error context: errorContext broke',
      'Could not go back to local: switchConfig broke',
      'Could not open the project: chooseProject broke',
      'Could not point the dev tools at aws: switchConfig broke',
      'Could not redeploy the services: run broke',
      'Could not run local: run broke',
      'Could not stop local models: stopModels broke',
    ]);
    expect(f.calls).not.toContain('clipboard # error');
  });
});

describe('choosing a project', () => {
  it('decides from the folder, the intent and offload.yml', () => {
    expect(projectChoice(undefined, false, false)).toBe('cancelled');
    expect(projectChoice('', true, false)).toBe('cancelled');
    expect(projectChoice('/p', false, true)).toBe('open');
    expect(projectChoice('/p', false, false)).toBe('ask-to-init');
    expect(projectChoice('/p', true, true)).toBe('init');
  });

  /** Runs chooseProject over fake dialogs; returns what reached the core. */
  async function choose(o: { dir?: string; hasConfig: boolean; confirm: boolean; init: boolean }) {
    const calls: string[] = [];
    await chooseProject(
      {
        core: {
          openProject: async (d) => void calls.push(`open ${d}`),
          initProject: async (d) => (calls.push(`init ${d}`), `${d}/offload.yml`),
        },
        pickFolder: async () => o.dir,
        hasConfig: () => o.hasConfig,
        confirmInit: async (d) => (calls.push(`ask ${d}`), o.confirm),
      },
      o.init,
    );
    return calls;
  }

  it('opens a project, asks before creating offload.yml, and does nothing when cancelled or declined', async () => {
    expect(await choose({ dir: '/p', hasConfig: true, confirm: false, init: false })).toEqual(['open /p']);
    expect(await choose({ dir: '/p', hasConfig: false, confirm: true, init: false })).toEqual([
      'ask /p',
      'init /p',
    ]);
    expect(await choose({ dir: '/p', hasConfig: false, confirm: false, init: false })).toEqual(['ask /p']);
    expect(await choose({ dir: '/p', hasConfig: true, confirm: false, init: true })).toEqual(['init /p']);
    expect(await choose({ hasConfig: true, confirm: true, init: true })).toEqual([]);
  });
});
