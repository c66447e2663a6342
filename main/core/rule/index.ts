/** The rule: enforcement policy (gate -> models + config switch) and the config switch itself. */
export {
  RuleEnforcer,
  type ModelControl,
  type EventJournal,
  type SwitchControl,
  type Policy,
  type RuleOptions,
} from './enforcer';
export { ConfigSwitcher, type SwitchResult, type SwitchTarget } from '../switch/switcher';
export {
  switchSchema,
  parseSwitchConfig,
  inferFormat,
  type SwitchConfig,
  type SwitchFileConfig,
  type SwitchFormat,
} from '../switch/config';
export { readValue, setValues } from '../switch/edit';
export { projectStateDir } from '../platform/project-state-dir';
export { switchConfigStep } from '../switch/switch-config';
