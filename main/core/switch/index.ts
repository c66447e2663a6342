/**
 * The config switch: which keys in which of the user's files point dev tools at the local models or at AWS
 * (`switch:` in offload.yml), format-preserving edits of those keys, backups for an exact way back, starting
 * the local model servers again (verified), and the `switch-config` step kind. The rule (../rule) decides
 * when to switch; this concern only knows how.
 */
export { ConfigSwitcher, type SwitchResult, type SwitchTarget } from './switcher';
export {
  switchSchema,
  parseSwitchConfig,
  inferFormat,
  type SwitchConfig,
  type SwitchFileConfig,
  type SwitchFormat,
} from './config';
export { readValue, setValues } from './edit';
export { startLocalModels, type LocalModelsStart } from './local-models';
export { switchConfigStep } from './switch-config';
