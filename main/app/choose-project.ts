/**
 * "Open project…" and "Create offload.yml…": a folder is asked for, then opened, or given a starter
 * offload.yml (asked first when the user only meant to open it). The decision is pure; the dialogs injected.
 */
import type { OffloadCommands } from '../core/state';

/** What a chosen folder leads to. */
export type ProjectChoice = 'cancelled' | 'open' | 'init' | 'ask-to-init';

/** What to do with the folder chosen (`undefined`: the dialog was cancelled) for open or `init`. */
export function projectChoice(dir: string | undefined, init: boolean, hasConfig: boolean): ProjectChoice {
  if (!dir) return 'cancelled';
  if (init) return 'init';
  return hasConfig ? 'open' : 'ask-to-init';
}

/** The dialogs and the core that choosing a project uses. */
export interface ChooseProjectDeps {
  core: Pick<OffloadCommands, 'openProject' | 'initProject'>;
  /** The folder the user chose, undefined when cancelled. */
  pickFolder(init: boolean): Promise<string | undefined>;
  hasConfig(dir: string): boolean;
  /** Whether to create offload.yml in a folder that has none. */
  confirmInit(dir: string): Promise<boolean>;
}

/** Asks for a folder, then opens it or creates offload.yml there. */
export async function chooseProject(d: ChooseProjectDeps, init: boolean): Promise<void> {
  const dir = await d.pickFolder(init);
  const choice = projectChoice(dir, init, dir ? d.hasConfig(dir) : false);
  if (choice === 'cancelled' || !dir) return;
  if (choice === 'ask-to-init' && !(await d.confirmInit(dir))) return;
  if (choice === 'open') await d.core.openProject(dir);
  else await d.core.initProject(dir);
}
