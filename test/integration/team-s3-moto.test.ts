/**
 * The team gate against moto's S3 (an independent implementation; conditional writes work there), with the
 * real SDK and real `offload` processes. Skipped, with the reason, where moto is absent. The same scenarios
 * run against the endpoint fixture in team-s3-fixture.test.ts.
 */
import { describeTeamScenarios } from '../helpers/team-scenarios';
import { TEAM_BACKENDS } from '../helpers/team-backends';

describeTeamScenarios(TEAM_BACKENDS.find((k) => k.name === 'moto')!);
