/**
 * The team's latest deploy of an environment as a deployment, so a teammate's deploy moves "what is on AWS"
 * (drift, phase 6), whatever reads the team's view (team-watch.ts).
 */
import type { TeamView } from '../state';
import type { DeploymentIdentity } from '../deployments';
import type { DeployedSource } from '../deployments/drift';

/** A deployment recorded in the team's bucket: who made it, so the user is told whose it is. */
export type TeamDeployment = DeploymentIdentity & { by: string };

/** The environment's last deploy in the view, as a deployment, when its aws-deploy phase passed. */
export function teamDeployment(view: TeamView | null, environment: string): TeamDeployment | undefined {
  const d = view?.lastDeploys.find((x) => x.environment === environment);
  if (!d?.deployPassed || !d.fingerprint) return undefined;
  return {
    runId: d.runId,
    workflow: d.workflow,
    at: d.at,
    fingerprint: d.fingerprint,
    ...(d.commit ? { commit: d.commit } : {}),
    items: d.deployed.map((summary) => ({ step: '', kind: 'deployed', summary })),
    by: `${d.who} at ${d.where}`,
  };
}

/** Whichever is newer: what this copy deployed or what the team last deployed (the team's says whose). */
export function newerDeployed(
  local: DeployedSource | undefined,
  team: TeamDeployment | undefined,
): DeployedSource | undefined {
  if (!team || team.runId === local?.runId) return local;
  if (local && Date.parse(local.at) >= Date.parse(team.at)) return local;
  return {
    fingerprint: team.fingerprint,
    runId: team.runId,
    at: team.at,
    ...(team.commit ? { commit: team.commit } : {}),
    by: team.by,
  };
}
