/**
 * The typed sections of offload.yml (`aws`, `gate`, `notify`, `switch`, `models`, `watch`), built once at load
 * from the validated data with each concern's own parser and defaults. Every consumer reads `config.aws`,
 * `config.gate`… instead of parsing `config.sections` again at each use (aws was parsed in six places).
 */
import { parseAwsConfig, parseGateConfig, type AwsConfig, type GateConfig } from '../aws/config';
import { parseModelsConfig, parseWatchConfig, type ModelsConfig, type WatchConfig } from '../machine/config';
import { parseNotifyConfig, type NotifyConfig } from '../notify/config';
import { parseSwitchConfig, type SwitchConfig } from '../switch/config';
import { parseTeamConfig, type TeamConfig } from '../team/config';

/** The typed section models a loaded config carries. */
export interface SectionModels {
  aws: AwsConfig;
  gate: GateConfig;
  notify: NotifyConfig;
  switch: SwitchConfig;
  models: ModelsConfig;
  watch: WatchConfig;
  /** Absent without a `team:` section. */
  team: TeamConfig | undefined;
}

// The vocabulary defines OffloadConfig below every concern, so it cannot name their types: the section models
// are added to it here, beside the code that builds them (declaration merging).
declare module '../vocabulary/config' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merging adds the section models
  interface OffloadConfig extends SectionModels {}
}

type Builders = { [K in keyof SectionModels]: (raw: unknown, dir: string) => SectionModels[K] };

const BUILDERS: Builders = {
  aws: (raw) => parseAwsConfig(raw),
  gate: (raw) => parseGateConfig(raw),
  notify: (raw) => parseNotifyConfig(raw),
  switch: (raw, dir) => parseSwitchConfig(raw, dir),
  models: (raw) => parseModelsConfig(raw),
  watch: (raw) => parseWatchConfig(raw),
  team: (raw) => parseTeamConfig(raw),
};

/** The keys a loaded config carries its section models under (the kept config leaves them out of its copy). */
export const SECTION_MODEL_KEYS = Object.keys(BUILDERS) as (keyof SectionModels)[];

/** A section that passed validation but its concern's parser refused (the name and the parser's words). */
export class SectionError extends Error {
  constructor(
    readonly section: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Builds every section model from the raw sections (absent ones get their defaults); `dir` is the project
 * folder switch paths resolve against. Throws SectionError naming the section a parser refused.
 */
export function buildSectionModels(sections: Readonly<Record<string, unknown>>, dir: string): SectionModels {
  const build = <K extends keyof SectionModels>(name: K): SectionModels[K] => {
    try {
      return BUILDERS[name](sections[name], dir);
    } catch (err) {
      throw new SectionError(name, (err as Error).message);
    }
  };
  return {
    aws: build('aws'),
    gate: build('gate'),
    notify: build('notify'),
    switch: build('switch'),
    models: build('models'),
    watch: build('watch'),
    team: build('team'),
  };
}
