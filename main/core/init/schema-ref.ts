/**
 * The `$schema` reference `offload init` writes: the offload.schema.json shipped with this Offload (next to
 * the CLI bundle, or the repository root when run from source), as a path an editor can open from offload.yml.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

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

/** How offload.yml in `projectDir` refers to `schemaFile`: a relative path, or a file URL across drives. */
export function schemaReference(projectDir: string, schemaFile: string): string {
  const rel = path.relative(projectDir, schemaFile);
  return path.isAbsolute(rel) ? pathToFileURL(schemaFile).href : rel.split(path.sep).join('/');
}
