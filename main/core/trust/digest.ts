/**
 * The hash trust is bound to: the whole normalized config, less what is only shown to people. Everything counts
 * unless listed in DISPLAY_ONLY, so a config key added later needs re-trust when it changes, without anyone
 * remembering to add it here.
 */
import type { OffloadConfig } from '../vocabulary';
import { sha256Hex } from '../platform/digest';

/**
 * Paths of the normalized config (`*` for any key or index) that change nothing Offload does: where the file
 * is and its bytes (the entry is keyed by folder; comments only change the bytes), what the open project
 * derived from it, titles, step names and positions. A step's `id` counts (it routes outputs and is
 * OFFLOAD_STEP), also when it is derived from the name. Gate endpoint names count: they key the pass counts.
 */
export const DISPLAY_ONLY: readonly string[] = [
  'file',
  'dir',
  'hash',
  'fingerprintExclude',
  'trustDigest',
  'phases.*.title',
  'phases.*.steps.*.name',
  'phases.*.steps.*.pos',
];

/**
 * The project name is shown, unless a `${{ project.name }}` puts it into something that runs, or a `team:`
 * section makes it the key of what Offload writes to the team's bucket (deploy lock, runs, passes).
 */
const PROJECT_NAME = 'name';
const USES_PROJECT_NAME = /project\s*\.\s*name/;

const DISPLAY_ONLY_PARTS = DISPLAY_ONLY.map((p) => p.split('.'));
const DEEPEST = Math.max(...DISPLAY_ONLY_PARTS.map((parts) => parts.length));

const ignored = (path: readonly string[]): boolean =>
  DISPLAY_ONLY_PARTS.some(
    (parts) => parts.length === path.length && parts.every((seg, i) => seg === '*' || seg === path[i]),
  );

/**
 * Stable JSON of what counts: keys sorted (a reordering of the same content keeps the hash), display-only left
 * out. Below the deepest display-only path nothing is left out, so the path is no longer followed there.
 */
function canonical(v: unknown, path: string[] | undefined): string {
  if (Array.isArray(v))
    return `[${v.map((x, i) => canonical(x, path && path.length < DEEPEST ? [...path, String(i)] : undefined)).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const deeper = path !== undefined && path.length < DEEPEST;
    let out = '';
    for (const k of Object.keys(o).sort()) {
      if (o[k] === undefined) continue;
      const at = deeper ? [...path, k] : undefined;
      if (at && ignored(at)) continue;
      out += `${out ? ',' : ''}${JSON.stringify(k)}:${canonical(o[k], at)}`;
    }
    return `{${out}}`;
  }
  return JSON.stringify(v ?? null);
}

const DIGEST_VERSION = 'offload-trust-2';

/** sha256 of everything in the config that changes what Offload does (the trust is bound to it). */
export function trustDigest(config: OffloadConfig): string {
  const { [PROJECT_NAME]: name, ...rest } = config;
  const body = canonical(rest, []);
  const keysTeam = rest.sections.team !== undefined;
  const counted = USES_PROJECT_NAME.test(body) || keysTeam ? `${body}\n${JSON.stringify(name)}` : body;
  return sha256Hex(`${DIGEST_VERSION}\n${counted}`);
}
