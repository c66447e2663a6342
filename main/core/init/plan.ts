/**
 * The plan `offload init` fills before writing text: steps per phase, what it found, comment notes and the
 * dev-config switch. Detectors add to it; render.ts turns it into offload.yml.
 */
import { visibleText } from '../boundary/text';
import fs from 'node:fs';
import path from 'node:path';
import { PHASES, type PhaseId } from '../workflow/types';
import { listDir, readTextBounded } from './read-bounded';
import type { Toolchain } from './toolchain';

/** One step as offload.yml will hold it. */
export interface InitStep {
  /** Comment lines written above the step. */
  comment?: string[];
  id?: string;
  name: string;
  shell?: string;
  cwd?: string;
  timeout?: string;
  env?: Record<string, string>;
  /** The step kind's key (`run`, `tcp`, `stop-local-models`, …) and its value. */
  kind: string;
  spec: unknown;
  /** For a step init could not fill (named "TODO: …", failing on purpose): what the user must fill in. */
  todo?: string;
}

/** How init used what it saw: in the config, seen and left out (the text says why), or for the user to do. */
export type FindingKind = 'recognised' | 'seen-not-used' | 'todo';

/** One thing `offload init` reports, grouped by kind when printed (and listed with its kind by `--json`). */
export interface Finding {
  kind: FindingKind;
  text: string;
  /** For a to-do that is a generated step: that step's name ("TODO: deploy to AWS"). */
  step?: string;
}

/** A finding init used in the config. */
export const recognised = (text: string): Finding => ({ kind: 'recognised', text });
/** A finding init saw and left out; the text says why. */
export const seenNotUsed = (text: string): Finding => ({ kind: 'seen-not-used', text });
/** Something the user must do before AWS; the text says what to run. */
export const toDo = (text: string): Finding => ({ kind: 'todo', text });

/** A key of the user's dev config that points at a local model server, for `switch:`. */
export interface SwitchKeyDraft {
  key: string;
  local: string;
  /** The env variable the AWS value is read from until the user fills it in. */
  awsEnv: string;
  /** The model server the local value points at: its catalogue id when known (`ollama`), and its name. */
  server: { id?: string; title: string };
}

/** A file of the user's dev config with the keys to switch. */
export interface SwitchFileDraft {
  /** Path relative to the project folder, with `/`. */
  path: string;
  keys: SwitchKeyDraft[];
  /** The template the keys were read from when the file itself is not there yet (`.env.example`). */
  example?: string;
}

export interface Plan {
  /** The project folder (absolute). */
  root: string;
  name: string;
  /** One per thing seen, printed by `offload init` (grouped by kind) and written at the top of the file. */
  findings: Finding[];
  steps: Record<PhaseId, InitStep[]>;
  /** Comment paragraphs written below a phase's steps: what could not be checked here and how to add it. */
  notes: Record<PhaseId, string[][]>;
  switchFiles: SwitchFileDraft[];
}

/** A detector: looks at the project and adds what it recognises to the plan. */
export type Detector = (plan: Plan, tools: Toolchain) => void;

/** A plan with nothing found yet for the project in `root`. */
export function emptyPlan(root: string): Plan {
  const byPhase = <T>(make: () => T) =>
    Object.fromEntries(PHASES.map((p) => [p, make()])) as Record<PhaseId, T>;
  return {
    root,
    name: path.basename(root),
    findings: [],
    steps: byPhase(() => []),
    notes: byPhase(() => []),
    switchFiles: [],
  };
}

/** Folders never looked into: dependencies, build output, virtualenvs (and any folder with a pyvenv.cfg). */
const IGNORED_DIRS = new Set([
  'node_modules',
  '.git',
  '.terraform',
  'dist',
  'build',
  '.venv',
  'venv',
  '__pycache__',
  'cdk.out',
  '.aws-sam',
]);

/** Whether `name` exists in `dir`. */
export const exists = (dir: string, name: string): boolean => fs.existsSync(path.join(dir, name));

/**
 * A file's text, or undefined when it cannot be read: only regular files, at most 1 MB (read-bounded.ts), so
 * a FIFO or a huge file in an untrusted repository neither hangs init nor fills memory.
 */
export const readText = (file: string): string | undefined => readTextBounded(file);

/**
 * Direct sub-folders of `dir` (sorted), skipping hidden, dependency and build folders. Symlinks are not
 * followed (a link loop is never walked), and a huge folder is listed only in part.
 */
export function subDirs(dir: string): string[] {
  return (
    listDir(dir)
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !IGNORED_DIRS.has(e.name))
      .map((e) => path.join(dir, e.name))
      // A virtualenv under any name (env/, .env-py/): it has pyvenv.cfg. Terraform's env/dev/ is walked.
      .filter((d) => !fs.existsSync(path.join(d, 'pyvenv.cfg')))
      .sort()
  );
}

/** The most folders a tree walk of init visits: a monorepo's layout, never a whole vendored tree. */
export const MAX_WALKED_DIRS = 2000;

/**
 * `root` and its sub-folders down to `depth` levels (breadth first, so shallower folders come first), skipping
 * what subDirs skips, never following symlinks, at most MAX_WALKED_DIRS folders.
 */
export function treeDirs(root: string, depth: number): string[] {
  const out: string[] = [];
  let level = [root];
  for (let d = 0; d <= depth && level.length && out.length < MAX_WALKED_DIRS; d++) {
    out.push(...level.slice(0, MAX_WALKED_DIRS - out.length));
    level = d < depth ? level.flatMap(subDirs) : [];
  }
  return out;
}

/** Regular files directly in `dir` (sorted names; a huge folder is listed only in part). */
export function filesIn(dir: string): string[] {
  return listDir(dir)
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort();
}

/**
 * Where a kind of project lives: the project folder itself when it is one, else each direct sub-folder that
 * is (a service and a web front end side by side).
 */
export function projectDirs(root: string, isProject: (dir: string) => boolean): string[] {
  return isProject(root) ? [root] : subDirs(root).filter(isProject);
}

/** `dir` relative to the project folder with `/` (undefined for the folder itself), for a step's `cwd`. */
export function relCwd(root: string, dir: string): string | undefined {
  const rel = path.relative(root, dir);
  return rel ? rel.split(path.sep).join('/') : undefined;
}

/** A step name with the sub-folder it runs in, e.g. "Unit tests (web)". */
export const inFolder = (name: string, cwd: string | undefined): string =>
  // a folder's name is the repository's text: shown, never obeyed (a name must hold no bidi or hidden character)
  cwd ? `${name} (${visibleText(cwd, { newlines: false })})` : name;

/** A `run` step. */
export function runStep(name: string, command: string, more: Partial<InitStep> = {}): InitStep {
  return { name, kind: 'run', spec: command, ...more };
}

/** A step the user must fill in: it fails on purpose until then, so nothing pretends to pass. */
export function todoStep(name: string, what: string, comment?: string[]): InitStep {
  return runStep(`TODO: ${name}`, `echo "TODO: ${what}" && exit 1`, { comment, todo: what });
}
