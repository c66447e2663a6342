/**
 * offload.yml's loaded model, kept in the user's data folder against the file's identity, the way git keeps
 * stat data in its index: a command on an unchanged config skips reading it, the YAML parse, the schema and
 * the rule's checks (start-up, issue 20).
 *
 * The identity is the file's size, mtime, ctime, inode and device. Every write changes ctime, and no program
 * can set it back, so an edit that keeps the size and puts the mtime back is still seen. An entry is kept only
 * once the file is older than the timestamps' resolution (git's racy-file rule), and only for the build that
 * wrote it. The checks whose answer depends on other files (fileSystemProblems, and each step kind's own check,
 * which may read one: a template that no longer parses) run again on every load, and a problem there loads the
 * file in full, which reports it at its line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PRIVATE_FILE, readPrivateJsonObject, writeFileAtomic } from '../platform/atomic-file';
import { kindPhaseProblem, PHASES } from '../vocabulary';
import { isObject } from './messages';
import { buildSectionModels, SECTION_MODEL_KEYS, type SectionModels } from './sections';
import type { StepKindShape } from './schema';
import type { OffloadConfig } from './types';
import { fileSystemProblems, kindCheckProblems } from './validate-steps';

const CACHE_FILE = 'config-cache.json';
/** Entries kept, one per config file, the most recently written first. */
const MAX_ENTRIES = 32;
/** A file changed this recently may change again within the same timestamp (2 s: FAT's mtime resolution). */
const RACY_NS = 2_000_000_000n;
/** The file above this is not read (each entry is one config, a few KB). */
const MAX_CACHE_BYTES = 4 * 1024 * 1024;

interface Entry {
  build: string;
  identity: string;
  at: number;
  config: Record<string, unknown>;
}

/** The identity of the file at `file` now, and whether it changed too recently to be kept; undefined if none. */
function identityOf(file: string, nowNs: bigint): { identity: string; racy: boolean } | undefined {
  let st: fs.BigIntStats;
  try {
    st = fs.statSync(file, { bigint: true });
  } catch {
    return undefined;
  }
  if (!st.isFile()) return undefined;
  const changed = st.ctimeNs > st.mtimeNs ? st.ctimeNs : st.mtimeNs;
  return {
    identity: `${process.platform}:${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`,
    racy: nowNs - changed < RACY_NS,
  };
}

/** The config kept for `file` as it is now, with its section models built again; undefined when none holds. */
function keptConfig(
  entries: Record<string, unknown>,
  file: string,
  identity: string,
  build: string,
  stepKinds: readonly StepKindShape[],
) {
  const e = entries[file];
  if (!isObject(e) || e.build !== build || e.identity !== identity || !isObject(e.config)) return undefined;
  const plain = e.config as unknown as Omit<OffloadConfig, keyof SectionModels>;
  if (plain.file !== file || typeof plain.dir !== 'string' || !isObject(plain.sections)) return undefined;
  let models: SectionModels;
  try {
    models = buildSectionModels(plain.sections, plain.dir);
  } catch {
    return undefined; // loaded in full: the parser's words at the section's line
  }
  const config = { ...plain, ...models } as OffloadConfig;
  // Checks whose answer depends on other files run again as in the full load: a switch file or a template
  // became a link out of the project, a template no longer parses (a step kind's own check may read it).
  const steps = Object.values(plain.phases).flatMap((phase) => phase.steps);
  const places = steps.map((st) => ({ path: [], kind: st.kind, raw: { [st.kind]: st.spec } }));
  if (fileSystemProblems(plain.sections, places, plain.dir).length) return undefined;
  const kind = (key: string) => stepKinds.find((k) => k.key === key);
  // Each step's kind still belongs in its phase (the kinds are this build's: the check is the full load's).
  const misplaced = PHASES.some((p) =>
    (plain.phases[p]?.steps ?? []).some((st) => {
      const k = kind(st.kind);
      return !k || kindPhaseProblem(k, p) !== undefined;
    }),
  );
  if (misplaced) return undefined;
  return steps.some((st) => kindCheckProblems(kind(st.kind), st.spec, config).length) ? undefined : config;
}

/** The config as JSON keeps it, or undefined when JSON would not give the same values back. */
function plainOf(config: OffloadConfig): Record<string, unknown> | undefined {
  const plain: Record<string, unknown> = { ...config };
  for (const k of SECTION_MODEL_KEYS) delete plain[k];
  delete plain.fingerprintExclude;
  let exact = true;
  const text = JSON.stringify(plain, (_k, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) exact = false; // .inf / .nan would come back as null
    return v;
  });
  return exact ? (JSON.parse(text) as Record<string, unknown>) : undefined;
}

/** Whether this process kept a new model of an offload.yml (see keptConfigRenewed). */
let renewed = false;

/**
 * Whether this process kept a new model of an offload.yml (the file or the build had changed): its later
 * commands load the kept one instead of parsing, so what this one ran is not what they run (the CLI's code
 * cache is not made from such a run: bin/code-cache.js).
 */
export function keptConfigRenewed(): boolean {
  return renewed;
}

/** Whose kept entries count (the build's identity: none when run from source) and the kinds to check with. */
export interface KeptConfigOptions {
  build: string | undefined;
  /** The step kinds the full load checks with: their checks run again on a kept config. */
  stepKinds: readonly StepKindShape[];
}

/**
 * Loads offload.yml through the kept model when the file is unchanged since it was kept, else with `load`
 * (the full load, which throws ConfigError for an invalid file), keeping what it returns. Without a build
 * identity nothing is kept.
 */
export function loadConfigKept(
  file: string,
  dataDir: string,
  load: () => OffloadConfig,
  { build, stepKinds }: KeptConfigOptions,
): OffloadConfig {
  if (!build) return load();
  const abs = path.resolve(file);
  const cacheFile = path.join(dataDir, CACHE_FILE);
  const before = identityOf(abs, BigInt(Date.now()) * 1_000_000n);
  if (!before) return load();
  // Only a file nobody else could have written: a kept model runs with the trust digest it holds.
  const entries = readPrivateJsonObject<Record<string, Entry>>(cacheFile, MAX_CACHE_BYTES, {
    ownOnly: true,
  }) as Record<string, unknown>;
  const kept = keptConfig(entries, abs, before.identity, build, stepKinds);
  if (kept) return kept;
  const config = load();
  const after = identityOf(abs, BigInt(Date.now()) * 1_000_000n);
  const plain = plainOf(config);
  // read while it changed, or changed too recently to tell the next change apart: not kept
  if (!plain || before.racy || !after || after.identity !== before.identity) return config;
  try {
    const fresh: Record<string, unknown> = { ...entries };
    fresh[abs] = { build, identity: before.identity, at: Date.now(), config: plain } satisfies Entry;
    const newest = Object.entries(fresh)
      .filter((kv): kv is [string, Entry] => isObject(kv[1]) && typeof kv[1].at === 'number')
      .sort((a, b) => b[1].at - a[1].at)
      .slice(0, MAX_ENTRIES);
    writeFileAtomic(cacheFile, JSON.stringify(Object.fromEntries(newest)), PRIVATE_FILE);
    renewed = true;
  } catch {
    // not kept (a read-only data folder): the next command loads the file again
  }
  return config;
}
