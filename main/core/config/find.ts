/** Finding a project's offload.yml from a working directory upward. */
import fs from 'node:fs';
import path from 'node:path';

/** File names recognised as a project config, in order of preference. */
export const CONFIG_FILE_NAMES = ['offload.yml', 'offload.yaml'] as const;

/**
 * The absolute path of the nearest offload.yml / offload.yaml in `startDir` or a parent, else null. One that is
 * there but is no regular file (a FIFO, a device) is found too, so loading it says what it is; a folder of that
 * name is not a config and is passed over.
 */
export function findConfig(startDir: string): string | null {
  let dir = path.resolve(startDir);
  for (;;) {
    for (const name of CONFIG_FILE_NAMES) {
      const file = path.join(dir, name);
      try {
        if (!fs.statSync(file).isDirectory()) return file;
      } catch {
        // not here
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}
