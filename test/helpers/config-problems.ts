/** The problems the full config load reports for a project folder's offload.yml (none: it loads). */
import path from 'node:path';
import { loadConfig } from '../../main/core/config';
import { ConfigError, type ConfigProblem } from '../../main/core/config/types';
import { CONFIG_SECTIONS, STEP_KINDS } from '../../main/core/registry';

export function configProblems(dir: string): ConfigProblem[] {
  try {
    loadConfig(path.join(dir, 'offload.yml'), { stepKinds: STEP_KINDS, sections: CONFIG_SECTIONS });
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems;
  }
}
