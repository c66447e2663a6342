/**
 * The tray's actions carried out: each one a core command, a window or an OS call, with the title its failure
 * is reported under. Its collaborators are injected, so it is tested with fakes, without Electron.
 */
import type { OffloadCommands, OffloadState } from '../core/state';
import type { TrayAction } from './tray-model';

/** What the tray's actions act on. */
export interface TrayDispatchDeps {
  core: Pick<
    OffloadCommands,
    'run' | 'cancel' | 'stopModels' | 'switchConfig' | 'setMonitoringPaused' | 'acknowledgePhase6'
  > & {
    state(): Pick<OffloadState, 'monitoringPaused' | 'project'>;
  };
  /** The error context of the last failure, as Markdown. */
  errorContext(): Promise<string>;
  writeClipboard(text: string): void;
  openPath(path: string): void;
  showWindow(): void;
  /** Asks for a project folder, then opens it or creates offload.yml there (`init`). */
  chooseProject(init: boolean): Promise<void>;
  /** Flips launch at login (and shows it). */
  toggleLogin(): void;
  quit(): void;
  /** Shows a failure to the user. */
  report(title: string, err: unknown): void;
}

/** The tray's dispatcher: a failing command is reported under its title (cancel is fire and forget). */
export function createTrayDispatch(d: TrayDispatchDeps): (action: TrayAction) => void {
  const { core, report } = d;
  return (action) => {
    const s = core.state();
    switch (action.type) {
      case 'run':
        core.run(action.workflow).catch((err) => report(`Could not run ${action.workflow}`, err));
        return;
      case 'cancel':
        void core.cancel();
        return;
      case 'stop-models':
        core.stopModels({ all: true }).catch((err) => report('Could not stop local models', err));
        return;
      case 'switch-config':
        core
          .switchConfig(action.target)
          .catch((err) => report(`Could not point the dev tools at ${action.target}`, err));
        return;
      case 'copy-error':
        d.errorContext()
          .then((md) => d.writeClipboard(md))
          .catch((err) => report('Could not copy the error context', err));
        return;
      case 'acknowledge-phase6':
        core.acknowledgePhase6('tray').catch((err) => report('Could not acknowledge', err));
        return;
      case 'redeploy':
        core.run('services').catch((err) => report('Could not redeploy the services', err));
        return;
      case 'back-to-local':
        core.switchConfig('local').catch((err) => report('Could not go back to local', err));
        return;
      case 'open-window':
        d.showWindow();
        return;
      case 'toggle-monitoring':
        core.setMonitoringPaused(!s.monitoringPaused);
        return;
      case 'open-config':
        if (s.project) d.openPath(s.project.configFile);
        return;
      case 'choose-project':
      case 'init-project':
        d.chooseProject(action.type === 'init-project').catch((err) =>
          report('Could not open the project', err),
        );
        return;
      case 'toggle-login':
        d.toggleLogin();
        return;
      case 'quit':
        d.quit();
        return;
    }
  };
}
