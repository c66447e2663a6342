/**
 * The config switch: points the user's dev config at AWS or back at the local model servers. Writes are
 * atomic (temp file + rename), the original of each file is backed up once, and switching back restores the
 * exact bytes that were there before (or, when the user edited the file meanwhile, changes only the values).
 * Which target is active is derived from the files themselves, with the last switch remembered as a hint.
 * A symlinked switch file is switched at its target (inside the project), so the link stays a link; temp
 * files a killed switch left next to a file are removed at the next switch.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readProjectFile, readProjectText } from '../boundary/files';
import { resolveProjectPath } from '../boundary/project-paths';
import { interpolate } from '../config/interpolate';
import { PRIVATE_FILE, ensurePrivateDir, removeStaleTemps, writeFileAtomic } from '../platform/atomic-file';
import type { SwitchConfig, SwitchFormat } from './config';
import { editValues, readValues } from './edit';
import { sha256Hex } from '../platform/digest';

export type SwitchTarget = 'local' | 'aws';

/** What one switch did, per file (for history evidence and the CLI). */
export interface SwitchResult {
  target: SwitchTarget;
  /** Per file: the keys changed, and those whose AWS value an earlier switch-config step gave (`remembered`). */
  files: { path: string; changed: string[]; restoredBackup: boolean; remembered?: string[] }[];
}

interface FileState {
  /** sha256 of the bytes Offload last wrote for `aws`. */
  awsHash?: string;
}

interface SwitchState {
  target?: SwitchTarget;
  at?: string;
  /** AWS values given by the switch-config step (already interpolated there), by file then key. */
  awsValues: Record<string, Record<string, string>>;
  files: Record<string, FileState>;
}

/**
 * The biggest switch file read. Dev config files are a few KB; a 4 MB .env or JSON file is read in milliseconds.
 * A bigger one (or a FIFO, a device) is refused before it is read.
 */
export const MAX_SWITCH_FILE_BYTES = 4 * 1024 * 1024;
/**
 * YAML costs more: the parsed document takes about 100 times the file's size in memory and 1 MB (45 000 short
 * keys) parses in about 0.7 s, so a YAML switch file is capped lower (the CLI runs in a 200 MB heap in tests).
 */
export const MAX_YAML_SWITCH_FILE_BYTES = 1024 * 1024;
const switchFile = (format: SwitchFormat) => ({
  maxBytes: format === 'yaml' ? MAX_YAML_SWITCH_FILE_BYTES : MAX_SWITCH_FILE_BYTES,
  what: 'switch file',
});

const sha = (b: Buffer | string) => sha256Hex(b);
const fileId = (p: string) => sha(path.resolve(p)).slice(0, 16);

export interface ConfigSwitcherOptions {
  config: SwitchConfig;
  /** Folder for the state file and backups (the project's folder in Offload's data dir). */
  stateDir: string;
  env?: Record<string, string | undefined>;
  project?: { name: string; dir: string };
}

/** Switches the configured files between their local and AWS values. */
export class ConfigSwitcher {
  private readonly stateFile: string;
  private readonly backupDir: string;

  constructor(private readonly opts: ConfigSwitcherOptions) {
    this.stateFile = path.join(opts.stateDir, 'switch-state.json');
    this.backupDir = path.join(opts.stateDir, 'switch-backups');
  }

  /** True when offload.yml's `switch:` lists at least one file. */
  configured(): boolean {
    return this.opts.config.files.length > 0;
  }

  private readState(): SwitchState {
    try {
      const s = JSON.parse(fs.readFileSync(this.stateFile, 'utf8')) as Partial<SwitchState>;
      return { awsValues: s.awsValues ?? {}, files: s.files ?? {}, target: s.target, at: s.at };
    } catch {
      return { awsValues: {}, files: {} };
    }
  }

  private writeState(s: SwitchState): void {
    writeFileAtomic(this.stateFile, JSON.stringify(s, null, 2), PRIVATE_FILE);
  }

  /**
   * The path whose bytes a switch replaces: a symlink's final target (so the link is kept and its target
   * switches), refused when that target is outside the project (validate refuses it too; a link may change
   * after). A missing file is returned as is (reading it reports it).
   */
  private writablePath(f: SwitchConfig['files'][number]): string {
    let real: string;
    try {
      real = fs.realpathSync(f.path);
    } catch {
      return f.path;
    }
    const dir = this.opts.project?.dir;
    if (dir && real !== f.path && resolveProjectPath(dir, real, { what: 'writes' }).outside)
      throw new Error(
        `${f.display}: is a link to ${real}, outside the project folder; Offload only writes inside it, nothing was changed`,
      );
    return real;
  }

  /** Resolves the value a key takes for a target (step-given AWS values first, then offload.yml's). */
  private valuesFor(
    target: SwitchTarget,
    state: SwitchState,
    overrides: Record<string, string> = {},
    /** Filled with `path\0key` of each value taken from an earlier switch-config step (not offload.yml). */
    remembered?: Set<string>,
  ): Map<string, Record<string, string>> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.opts.env ?? process.env)) if (typeof v === 'string') env[k] = v;
    const out = new Map<string, Record<string, string>>();
    for (const f of this.opts.config.files) {
      const vals: Record<string, string> = {};
      for (const [key, v] of Object.entries(f.keys)) {
        const given = target === 'aws' ? (overrides[key] ?? state.awsValues[f.path]?.[key]) : undefined;
        if (given !== undefined) {
          vals[key] = given;
          if (overrides[key] === undefined) remembered?.add(`${f.path}\0${key}`);
          continue;
        }
        const raw = target === 'aws' ? v.aws : v.local;
        try {
          vals[key] = String(
            interpolate(raw, {
              env,
              secrets: env,
              steps: {},
              project: this.opts.project ?? { name: '', dir: path.dirname(f.path) },
              run: { id: '', workflow: '' },
            }).value,
          );
        } catch (err) {
          throw new Error(
            `${f.display}: ${key}: its ${target} value ${raw} cannot be resolved now (${(err as Error).message}); ` +
              'values from step outputs are given through the switch-config step (`values:`), which remembers them',
            { cause: err },
          );
        }
      }
      out.set(f.path, vals);
    }
    return out;
  }

  /** Which target the files are on now: derived from the values in the files; 'unknown' when mixed or missing. */
  current(): SwitchTarget | 'unknown' {
    if (!this.configured()) return 'unknown';
    // Snapshots ask often (the tray, every state change): files are read again only when they changed.
    const key = this.filesKey();
    if (this.lastCurrent?.key !== key) this.lastCurrent = { key, target: this.readCurrent() };
    return this.lastCurrent.target;
  }

  private lastCurrent: { key: string; target: SwitchTarget | 'unknown' } | undefined;

  /** The state file's and the switch files' stat, as one string: a change to any reads as a new key. */
  private filesKey(): string {
    return [this.stateFile, ...this.opts.config.files.map((f) => f.path)]
      .map((p) => {
        const st = fs.statSync(p, { throwIfNoEntry: false });
        return st ? `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}` : '-';
      })
      .join('|');
  }

  private readCurrent(): SwitchTarget | 'unknown' {
    const state = this.readState();
    const now = new Map<string, Record<string, string | undefined>>();
    for (const f of this.opts.config.files) {
      try {
        now.set(
          f.path,
          readValues(readProjectText(f.path, switchFile(f.format)), f.format, Object.keys(f.keys)),
        );
      } catch {
        return 'unknown';
      }
    }
    return this.decide(state, now);
  }

  /** The target the values `now` (by file, then key) show: all local, all AWS, or 'unknown' when mixed. */
  private decide(
    state: SwitchState,
    now: Map<string, Record<string, string | undefined>>,
  ): SwitchTarget | 'unknown' {
    let local: Map<string, Record<string, string>>;
    let aws: Map<string, Record<string, string>> | undefined;
    try {
      local = this.valuesFor('local', state);
    } catch {
      return state.target ?? 'unknown';
    }
    try {
      aws = this.valuesFor('aws', state);
    } catch {
      aws = undefined;
    }
    let allLocal = true;
    let allAws = true;
    for (const f of this.opts.config.files) {
      for (const key of Object.keys(f.keys)) {
        const cur = now.get(f.path)?.[key];
        if (cur !== local.get(f.path)?.[key]) allLocal = false;
        if (!aws || cur !== aws.get(f.path)?.[key]) allAws = false;
      }
    }
    if (allAws && !allLocal) return 'aws';
    if (allLocal && !allAws) return 'local';
    if (allAws && allLocal) return state.target ?? 'unknown';
    return 'unknown';
  }

  /**
   * Switches every configured file to `target`. `awsValues` (from the switch-config step, by key) override and
   * are remembered for later automatic switches. Switching to local restores the exact pre-switch bytes when the
   * file is still as Offload left it.
   */
  async switchTo(
    target: SwitchTarget,
    opts: { awsValues?: Record<string, string> } = {},
  ): Promise<SwitchResult> {
    if (!this.configured()) throw new Error('offload.yml has no `switch:` files; nothing to switch');
    const state = this.readState();
    const remembered = new Set<string>();
    const values = this.valuesFor(target, state, opts.awsValues, remembered);
    // Prepare every file first: a parse error in one leaves all of them untouched.
    const plans: {
      file: SwitchConfig['files'][number];
      /** Where the bytes live: the file itself, or a symlink's target (written there; the link stays). */
      real: string;
      before: Buffer;
      after: Buffer;
      changed: string[];
      restored: boolean;
    }[] = [];
    for (const f of this.opts.config.files) {
      let before: Buffer;
      const real = this.writablePath(f);
      try {
        before = readProjectFile(real, switchFile(f.format));
      } catch (err) {
        throw new Error(`${f.display}: ${(err as Error).message}; nothing was changed`, { cause: err });
      }
      const vals = values.get(f.path) ?? {};
      // One parse gives the values now and the edited text (a parse error leaves every file untouched).
      const edit = editValues(before.toString('utf8'), f.format, vals, f.display);
      const changed = Object.keys(vals).filter((k) => edit.before[k] !== vals[k]);
      const fs0 = state.files[f.path] ?? {};
      const backupBefore = path.join(this.backupDir, `${fileId(f.path)}.before`);
      let after: Buffer;
      let restored = false;
      if (target === 'local' && fs0.awsHash === sha(before) && fs.existsSync(backupBefore)) {
        after = fs.readFileSync(backupBefore);
        restored = true;
      } else {
        after = Buffer.from(edit.after, 'utf8');
      }
      plans.push({ file: f, real, before, after, changed, restored });
    }
    // Backups hold the files' secrets: private to the user (0700/0600), never more readable than the original.
    ensurePrivateDir(this.opts.stateDir);
    ensurePrivateDir(this.backupDir);
    const result: SwitchResult = { target, files: [] };
    for (const p of plans) {
      const id = fileId(p.file.path);
      const original = path.join(this.backupDir, `${id}.original`);
      if (!fs.existsSync(original)) writeFileAtomic(original, p.before, PRIVATE_FILE); // the very first, kept once
      if (target === 'aws' && p.changed.length > 0)
        writeFileAtomic(path.join(this.backupDir, `${id}.before`), p.before, PRIVATE_FILE);
      for (const leftover of new Set([p.file.path, p.real])) removeStaleTemps(leftover);
      if (!p.after.equals(p.before)) writeFileAtomic(p.real, p.after);
      const prev = state.files[p.file.path] ?? {};
      if (target === 'local') state.files[p.file.path] = {};
      else if (p.changed.length > 0) state.files[p.file.path] = { awsHash: sha(p.after) };
      // Already on AWS: the exact-restore backup is only valid if the file is still what Offload wrote.
      else state.files[p.file.path] = prev.awsHash === sha(p.before) ? prev : {};
      const fromEarlierStep = Object.keys(p.file.keys).filter((k) => remembered.has(`${p.file.path}\0${k}`));
      result.files.push({
        path: p.file.path,
        changed: p.changed,
        restoredBackup: p.restored,
        ...(fromEarlierStep.length ? { remembered: fromEarlierStep } : {}),
      });
    }
    if (opts.awsValues && target === 'aws') {
      for (const f of this.opts.config.files) {
        for (const [k, v] of Object.entries(opts.awsValues)) {
          if (k in f.keys) (state.awsValues[f.path] ??= {})[k] = v;
        }
      }
    }
    state.target = target;
    state.at = new Date().toISOString();
    this.writeState(state);
    // What the files hold now is known without parsing them again (a big file costs a parse): unless one was
    // restored from its backup, each holds exactly the values just set.
    if (!result.files.some((f) => f.restoredBackup))
      this.lastCurrent = { key: this.filesKey(), target: this.decide(state, values) };
    return result;
  }
}
