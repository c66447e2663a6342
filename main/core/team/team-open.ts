/** The team's code an open project with `team:` runs (its gate, lock and records; its view, kept): one part. */
export { createTeam } from './team';
export { TeamWatch } from './team-watch';
