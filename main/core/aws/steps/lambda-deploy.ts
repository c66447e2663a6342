/**
 * The `lambda-deploy` step kind (phase 3): new code and/or configuration for a function, a published version
 * and an alias moved to it; what it published is remembered per run (lambda-deploy-run.ts) so that
 * `lambda-invoke` invokes exactly that. It takes the AWS clients from `ctx.services.aws`, or builds them from
 * offload.yml's `aws:` for the step.
 */
import type { JsonSchema, StepKind } from '../../vocabulary';
import { durationMs, durationSchema } from '../../units';
import type { LambdaCode, LambdaConfigChange } from '../lambda';
import { resolveProjectPath } from '../../boundary/project-paths';

/** `lambda-deploy` spec. */
export interface LambdaDeploySpec {
  function: string;
  zip?: string;
  s3?: { bucket: string; key: string; version?: string };
  image?: string;
  environment?: Record<string, string>;
  'replace-environment'?: boolean;
  memory?: number;
  'function-timeout'?: string | number;
  handler?: string;
  runtime?: string;
  description?: string;
  publish?: boolean;
  alias?: string;
  timeout?: string | number;
  interval?: string | number;
}

/** The `function:` property both Lambda step kinds share. */
export const functionProp: JsonSchema = {
  type: 'string',
  minLength: 1,
  description: 'Function name, or its ARN.',
  examples: ['my-api', 'arn:aws:lambda:eu-west-1:123456789012:function:my-api'],
};

const ZIP_PLACE = { what: 'uploads zips', gitRoot: true };

/** What a `lambda-deploy` spec deploys, or why it cannot (checked at validate and before anything is sent). */
export function lambdaDeployPlan(
  spec: LambdaDeploySpec,
  projectDir: string,
): { code: LambdaCode | undefined; config: LambdaConfigChange; hasConfig: boolean } | string {
  const sources = (['zip', 's3', 'image'] as const).filter((k) => spec[k] !== undefined);
  if (sources.length > 1) return `give one code source, not ${sources.join(' and ')}`;
  // The zip is the project's (or its git work tree's), as a template is: `../x.zip`, an absolute path or a link
  // out would upload any readable file of the user's to AWS. The resolved file is the one read.
  const zip = spec.zip === undefined ? undefined : resolveProjectPath(projectDir, spec.zip, ZIP_PLACE);
  if (zip?.outside) return `zip ${zip.outside}; nothing was sent to AWS`;
  const code: LambdaCode | undefined = zip
    ? { zipFile: zip.target }
    : spec.s3
      ? { s3: spec.s3 }
      : spec.image
        ? { image: spec.image }
        : undefined;
  const fnTimeout =
    spec['function-timeout'] === undefined
      ? undefined
      : Math.round(durationMs(spec['function-timeout'], 0, 'function-timeout') / 1000);
  if (fnTimeout !== undefined && (fnTimeout < 1 || fnTimeout > 900))
    return `function-timeout must be between 1s and 15m (got ${fnTimeout}s)`;
  const config: LambdaConfigChange = {
    environment: spec.environment,
    replaceEnvironment: spec['replace-environment'],
    memory: spec.memory,
    timeoutSeconds: fnTimeout,
    handler: spec.handler,
    runtime: spec.runtime,
    description: spec.description,
  };
  const hasConfig = Object.entries(config).some(([k, v]) => k !== 'replaceEnvironment' && v !== undefined);
  if (!code && !hasConfig && !spec.alias && spec.publish === false)
    return 'nothing to deploy: give zip, s3 or image, configuration, or alias';
  return { code, config, hasConfig };
}

/** Deploys new code and/or configuration to a function, publishes a version and moves an alias. */
export const lambdaDeployStep: StepKind<LambdaDeploySpec> = {
  key: 'lambda-deploy',
  // A change to AWS: only aws-prepare and aws-deploy, the phases whose gates cover one (a local pass on the same
  // source first, the team's lock, AWS testing after it before shutdown may stop the local models). In local it
  // would reach AWS before the local tests; in aws-test it would change what is being tested (the shutdown gate
  // would count the tests as passed after it); in shutdown or monitor (which need no AWS testing after them) it
  // would leave an untested deployment behind. Phase 6's redeploy runs the services entry point, not monitor.
  phases: ['aws-prepare', 'aws-deploy'],
  schema: {
    type: 'object',
    description:
      'Deploy a Lambda function: new code (one of zip, s3, image) and/or configuration, waited for until LastUpdateStatus is Successful (Failed is a failure with its reason); then a published version and the alias moved to it (created when missing). Outputs: function-arn, version (when published), alias-arn (with alias), previous-version (with alias: the version the alias pointed at before this deploy, for a rollback; empty on the first deploy, when this deploy created the alias), code-sha256.',
    additionalProperties: false,
    required: ['function'],
    examples: [
      { function: 'my-api', zip: 'dist/my-api.zip', alias: 'live' },
      {
        function: 'my-api',
        s3: { bucket: 'my-artifacts', key: 'my-api/${{ run.id }}.zip' },
        environment: { MODEL_URL: '${{ steps.stack.outputs.ModelUrl }}', API_KEY: '${{ secrets.API_KEY }}' },
        alias: 'live',
      },
    ],
    properties: {
      function: functionProp,
      zip: {
        type: 'string',
        minLength: 1,
        description:
          'A zip a step built, relative to the project folder (uploaded directly: at most 50 MB; larger ones go through `s3`).',
        examples: ['dist/function.zip'],
      },
      s3: {
        type: 'object',
        additionalProperties: false,
        required: ['bucket', 'key'],
        description: 'The code as an S3 object (same Region as the function).',
        properties: {
          bucket: { type: 'string', minLength: 1 },
          key: { type: 'string', minLength: 1 },
          version: { type: 'string', minLength: 1, description: 'S3 object version (versioned buckets).' },
        },
      },
      image: {
        type: 'string',
        minLength: 1,
        description: 'Container image URI in ECR (functions of package type Image).',
        examples: ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-api:${{ steps.push.outputs.tag }}'],
      },
      environment: {
        type: 'object',
        additionalProperties: { type: 'string' },
        description:
          'Environment variables (from outputs and secrets with ${{ … }}); merged into the current ones unless replace-environment. Only the names are logged.',
      },
      'replace-environment': {
        type: 'boolean',
        description: 'Replace the whole environment with `environment` (default false: merge).',
      },
      memory: { type: 'integer', minimum: 128, maximum: 10240, description: 'Memory in MB.' },
      'function-timeout': durationSchema("The function's own timeout (at most 15m)."),
      handler: { type: 'string', minLength: 1, examples: ['index.handler'] },
      runtime: { type: 'string', minLength: 1, examples: ['nodejs20.x', 'python3.12'] },
      description: { type: 'string', description: 'Description of the function and the published version.' },
      publish: {
        type: 'boolean',
        description: 'Publish a version after the update (default true; always with `alias`).',
      },
      alias: {
        type: 'string',
        minLength: 1,
        pattern: '^(?!^[0-9]+$)([a-zA-Z0-9-_]+)$',
        description: 'Alias moved to the published version (created when missing).',
        examples: ['live'],
      },
      timeout: durationSchema('Give up waiting for the update after this long (default 5m).'),
      interval: durationSchema('Time between GetFunctionConfiguration polls (default 2s).'),
    },
  },
  check: (spec, config) => {
    const plan = lambdaDeployPlan(spec, config.dir);
    return typeof plan === 'string' ? [plan] : [];
  },
  describe: (s) => {
    const what = s.spec.zip ?? (s.spec.s3 ? `s3://${s.spec.s3.bucket}/${s.spec.s3.key}` : s.spec.image);
    return `deploy Lambda ${s.spec.function}${what ? ` from ${what}` : ''}${s.spec.alias ? ` → ${s.spec.alias}` : ''}`;
  },
  // The deploy loads only when such a step runs, with every AWS step kind's run code (aws/steps/run.ts).
  execute: async (ctx, step) => (await import('./run')).executeLambdaDeploy(ctx, step),
};
