/**
 * The rule's own deploy scripts, where a repository already has them (scripts/aws-deploy-infrastructure.ps1,
 * aws-deploy-services, aws-deploy-full, aws-test-services, shutdown-local-models, as .ps1 or .sh): each is run
 * in its phase (PowerShell ones with pwsh) instead of a generic TODO. Init names them; it never runs them.
 */
import { exists, runStep, type Detector, recognised, seenNotUsed, toDo } from './plan';
import type { PhaseId } from '../workflow/types';
import { installHint } from '../platform/install-hints';

/** Script base name -> the phase it belongs to and the step name. */
const RULE_SCRIPTS: readonly { base: string; phase: PhaseId; name: string }[] = [
  { base: 'aws-deploy-infrastructure', phase: 'aws-prepare', name: 'Deploy infrastructure' },
  { base: 'aws-deploy-services', phase: 'aws-deploy', name: 'Deploy services' },
  { base: 'aws-deploy-full', phase: 'aws-deploy', name: 'Deploy (full)' },
  { base: 'aws-test-services', phase: 'aws-test', name: 'Test services on AWS' },
  { base: 'shutdown-local-models', phase: 'shutdown', name: 'Shut down local models' },
];

const FOLDERS = ['scripts', 'deploy', '.'];

/** The scripts of the rule the repository has: run with pwsh (.ps1) or bash (.sh), PowerShell first. */
export const detectRuleScripts: Detector = (plan, tools) => {
  const found = RULE_SCRIPTS.flatMap((s) => {
    for (const folder of FOLDERS)
      for (const ext of ['ps1', 'sh']) {
        const rel = folder === '.' ? `${s.base}.${ext}` : `${folder}/${s.base}.${ext}`;
        if (exists(plan.root, rel)) return [{ ...s, rel, ext }];
      }
    return [];
  });
  // A full deploy only where the split ones are absent: it would deploy the same things twice.
  const split = found.some((s) => s.base === 'aws-deploy-services' || s.base === 'aws-deploy-infrastructure');
  const used = found.filter((s) => !(split && s.base === 'aws-deploy-full'));
  for (const s of found.filter((f) => !used.includes(f)))
    plan.findings.push(
      seenNotUsed(`${s.rel}: seen but not used (the split aws-deploy-* scripts deploy the same)`),
    );
  const pwshMissing = used.some((s) => s.ext === 'ps1') && !tools.which('pwsh');
  if (pwshMissing)
    plan.findings.push(
      toDo(
        `install pwsh to run ${used
          .filter((s) => s.ext === 'ps1')
          .map((s) => s.rel)
          .join(', ')}: ${installHint('pwsh')}`,
      ),
    );
  for (const s of used) {
    plan.findings.push(
      recognised(
        `${s.rel}: run in ${s.phase}${s.ext === 'ps1' && pwshMissing ? ` — pwsh is not on PATH here: ${installHint('pwsh')}` : ''}`,
      ),
    );
    plan.steps[s.phase].push(
      runStep(s.name, s.ext === 'ps1' ? `./${s.rel}` : `bash ./${s.rel}`, {
        shell: s.ext === 'ps1' ? 'pwsh' : undefined,
        timeout: s.phase === 'shutdown' ? '10m' : '1h',
        comment: [`The repository's own ${s.rel}; review what it needs (profile, region, parameters).`],
      }),
    );
  }
};
