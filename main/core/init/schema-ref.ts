/**
 * The `$schema` reference `offload init` writes: the offload.schema.json shipped with this Offload (next to
 * the CLI bundle, or the repository root when run from source), only as a path that every teammate's
 * checkout has (never a path into this machine's install); else a comment says how to get editor support.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readTextBounded } from './read-bounded';

const SCHEMA_FILE = 'offload.schema.json';
/** dist/ (the CLI bundle) or main/core/init/ (source) up to the package folder. */
const MAX_LEVELS_UP = 3;

/** The shipped offload.schema.json, or undefined when this build has none (the packaged app leaves it out). */
export function shippedSchemaFile(from: string = __dirname): string | undefined {
  let dir = from;
  for (let level = 0; level <= MAX_LEVELS_UP; level++) {
    const file = path.join(dir, SCHEMA_FILE);
    if (fs.existsSync(file)) return file;
    dir = path.dirname(dir);
  }
  return undefined;
}

/**
 * How offload.yml in `projectDir` refers to `schemaFile` in a way that works for every teammate: a path inside
 * the project (the schema is part of the repository), `node_modules/offload/…` when the project depends on
 * offload, else undefined (a path into this machine's Offload install would break on every other machine).
 */
export function schemaReference(projectDir: string, schemaFile: string): string | undefined {
  const rel = path.relative(projectDir, schemaFile);
  if (!path.isAbsolute(rel) && !rel.startsWith('..')) return rel.split(path.sep).join('/');
  const pkg = readTextBounded(path.join(projectDir, 'package.json'));
  try {
    const json = JSON.parse(pkg ?? '{}') as Record<string, Record<string, unknown> | undefined>;
    const deps = { ...json.dependencies, ...json.devDependencies };
    if (typeof deps.offload === 'string') return `node_modules/offload/${SCHEMA_FILE}`;
  } catch {
    // Not JSON: no dependency on offload.
  }
  return undefined;
}

/** The comment offload.yml gets where no `$schema` can be written: how to get editor completion. */
export const SCHEMA_HINT: readonly string[] = [
  '# Editor completion: Offload ships offload.schema.json. Commit a copy into the project (or add offload as a',
  '# devDependency and use node_modules/offload/offload.schema.json) and put this first line at the top:',
  '#   # yaml-language-server: $schema=./offload.schema.json',
];
