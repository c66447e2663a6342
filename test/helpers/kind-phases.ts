/**
 * The steps of an offload.yml text with their phase and kind: its steps, and the steps it shows commented out for
 * the user to uncomment (`offload init` writes such examples under a phase as `#   - name: …`).
 */
import { parse as parseYaml } from 'yaml';
import { STEP_KINDS } from '../../main/core/registry';
import { kindPhaseProblem, PHASES, type PhaseId } from '../../main/core/vocabulary';

export interface PlacedStep {
  phase: PhaseId;
  kind: string;
  /** Shown commented out, not written. */
  commented: boolean;
}

/** Every step of the text (written or commented out under a phase) whose kind is a registered one. */
export function placedSteps(text: string): PlacedStep[] {
  const out: PlacedStep[] = [];
  const add = (phase: PhaseId, step: unknown, commented: boolean) => {
    if (!step || typeof step !== 'object') return;
    for (const kind of Object.keys(step))
      if (STEP_KINDS.some((k) => k.key === kind)) out.push({ phase, kind, commented });
  };
  const data = parseYaml(text) as { phases?: Record<string, { steps?: unknown[] } | null> };
  for (const phase of PHASES) for (const step of data.phases?.[phase]?.steps ?? []) add(phase, step, false);
  // commented-out examples: `#   - name: …` and its `#     key: …` lines, under the phase heading above them
  let phase: PhaseId | undefined;
  let block: string[] = [];
  const flush = () => {
    if (phase && block.length) {
      let steps: unknown;
      try {
        steps = parseYaml(block.join('\n'));
      } catch {
        steps = undefined; // prose, not an example
      }
      if (Array.isArray(steps)) for (const step of steps) add(phase, step, true);
    }
    block = [];
  };
  for (const line of text.split('\n')) {
    const heading = /^ {2}([a-z-]+):/.exec(line)?.[1];
    if (heading && (PHASES as readonly string[]).includes(heading)) {
      flush();
      phase = heading as PhaseId;
      continue;
    }
    if (/^[^ #]/.test(line)) phase = undefined; // another top-level key
    const example = /^\s*# {3}(- .*| {2}.*)$/.exec(line)?.[1];
    if (example?.startsWith('- ')) flush();
    if (example !== undefined && (example.startsWith('- ') || block.length)) block.push(example);
    else flush();
  }
  flush();
  return out;
}

/** "<phase>: <kind>" for each step of the text in a phase its kind may not be in. */
export function misplacedKinds(text: string): string[] {
  return placedSteps(text)
    .filter((s) =>
      kindPhaseProblem(
        STEP_KINDS.find((k) => k.key === s.kind)!,
        s.phase,
      ),
    )
    .map((s) => `${s.phase}: ${s.kind}${s.commented ? ' (commented out)' : ''}`);
}
