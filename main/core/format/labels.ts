/**
 * The words and icons the front ends show for workflows and the AWS gate, chosen once here so the tray, the
 * status window and the CLI never disagree (one label per workflow, one icon for an unknown gate).
 */
import { ENTRY_POINTS, type AwsSnapshot } from '../vocabulary';

/** A built-in entry point's name. */
export type EntryPoint = (typeof ENTRY_POINTS)[number];

/** What each built-in entry point does, as a menu item or a button's accessible name says it. */
export const ENTRY_LABELS: Record<EntryPoint, string> = {
  local: 'Run local build & tests',
  full: 'Run full workflow',
  services: 'Deploy services only',
  infrastructure: 'Deploy infrastructure only',
  test: 'Test AWS services',
  shutdown: 'Shut down local models',
};

/** Short forms for a one-row button bar (the full label stays the accessible name). */
const ENTRY_SHORT: Record<EntryPoint, string> = {
  local: 'Local',
  full: 'Full',
  services: 'Deploy',
  infrastructure: 'Infra',
  test: 'Test AWS',
  shutdown: 'Shutdown',
};

const isEntryPoint = (name: string): name is EntryPoint => (ENTRY_POINTS as readonly string[]).includes(name);

/** The one label of a workflow: the built-in entry points' own words, "Run <name>" for a project's own. */
export function workflowLabel(name: string): string {
  return isEntryPoint(name) ? ENTRY_LABELS[name] : `Run ${name}`;
}

/** The short label of a workflow (its name when it is a project's own). */
export function workflowShortLabel(name: string): string {
  return isEntryPoint(name) ? ENTRY_SHORT[name] : name;
}

/** The AWS gate's states. */
export type GateState = AwsSnapshot['gate'];

/** The one icon per gate state: unknown is its own (never the not-ready cross, never the ready tick). */
export const GATE_ICON: Record<GateState, string> = {
  ready: '✅',
  'not-ready': '❌',
  checking: '⏳',
  unknown: '❔',
  disabled: '·',
};

/** The gate state in words: "ready", "checking", "not ready", "unknown", "nothing to watch". */
export function gateWord(gate: GateState): string {
  switch (gate) {
    case 'ready':
      return 'ready';
    case 'not-ready':
      return 'not ready';
    case 'checking':
      return 'checking';
    case 'unknown':
      return 'unknown';
    case 'disabled':
      return 'nothing to watch';
  }
}
