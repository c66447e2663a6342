/**
 * The rule: the AWS-ready gate as a pure function of observations (aws-ready), its pass counting and
 * transitions (gate-track), the enforcement policy that stops local models and switches the config
 * (enforcer, model-decisions), and their wiring for an open project (wire). The config switch itself is
 * ../switch.
 */
export { assessAwsReady, type GateVerdict, type GateObservations, type GatePoll } from './aws-ready';
export { trackGate, INITIAL_GATE_TRACK, type GateAction, type GateTrack } from './gate-track';
export {
  RuleEnforcer,
  type ModelControl,
  type EventJournal,
  type SwitchControl,
  type Policy,
  type RuleOptions,
} from './enforcer';
export { createRuleWiring, type RuleWiring, type SwitchOutcome } from './wire';
