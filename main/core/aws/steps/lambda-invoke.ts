/**
 * The `lambda-invoke` step kind (a test step, phase 4): invokes a function (by default the version
 * `lambda-deploy` published in this run) and checks its status, payload and log tail.
 */
import type { StepKind } from '../../vocabulary';
import { regexProblemText, userRegexProblem } from '../../units/regex';
import { functionProp } from './lambda-deploy';

/** `lambda-invoke` spec. */
export interface LambdaInvokeSpec {
  function: string;
  qualifier?: string;
  payload?: unknown;
  status?: number;
  body?: string | { contains?: string; json?: unknown; regex?: string };
  'log-lines'?: number;
}

/** Invokes a function (RequestResponse, log tail) and checks status and body. */
export const lambdaInvokeStep: StepKind<LambdaInvokeSpec> = {
  key: 'lambda-invoke',
  // Invoking runs the deployed code, which may write (it is a test, not a read-only check): aws-deploy (a smoke
  // call right after the deployment), aws-test (its place) and monitor (a canary). Not local (it reaches AWS),
  // not aws-prepare (nothing of this run is deployed yet), not shutdown (what it tests must be tested before).
  phases: ['aws-deploy', 'aws-test', 'monitor'],
  schema: {
    type: 'object',
    description:
      'Invoke a Lambda function once and check the result: a FunctionError fails with the error and the tail of the invocation’s log. Invokes the alias or version lambda-deploy published earlier in the run unless `qualifier` says otherwise. Outputs: status-code, executed-version, payload (first 4 KB).',
    additionalProperties: false,
    required: ['function'],
    examples: [
      { function: 'my-api', payload: { path: '/health' }, body: { json: { statusCode: 200 } } },
      { function: 'my-api', qualifier: 'live', payload: 'ping', body: 'pong' },
    ],
    properties: {
      function: functionProp,
      qualifier: {
        type: 'string',
        minLength: 1,
        description: 'Alias or version (default: what lambda-deploy published in this run, else $LATEST).',
      },
      payload: {
        description: 'The event: an object (sent as JSON) or a string (sent as is).',
        examples: [{ path: '/health' }, '{"ping":true}'],
      },
      status: {
        type: 'integer',
        minimum: 100,
        maximum: 599,
        description: 'Expected StatusCode of the Invoke call (default 200).',
      },
      body: {
        description:
          'The response payload must contain this text, or {contains: text}, {json: subset} (every key given must be equal), or {regex: pattern}.',
        examples: ['"ok":true', { json: { statusCode: 200 } }],
        anyOf: [
          { type: 'string' },
          {
            type: 'object',
            additionalProperties: false,
            minProperties: 1,
            properties: {
              contains: { type: 'string' },
              json: { description: 'A JSON subset the payload must contain.' },
              regex: { type: 'string', minLength: 1, format: 'regex', description: 'RE2 syntax.' },
            },
          },
        ],
      },
      'log-lines': {
        type: 'integer',
        minimum: 1,
        maximum: 200,
        description:
          'Lines of the invocation’s log shown on failure (default 20; Lambda returns its last 4 KB).',
      },
    },
  },
  check: (spec) => invokeSpecProblems(spec),
  describe: (s) => `invoke Lambda ${s.spec.function}${s.spec.qualifier ? `:${s.spec.qualifier}` : ''}`,
  // The invocation loads only when such a step runs, with every AWS step kind's run code (aws/steps/run.ts).
  execute: async (ctx, step) => (await import('./run')).executeLambdaInvoke(ctx, step),
};

/** A body pattern that cannot be compiled, refused before the function is invoked. */
export function invokeSpecProblems(spec: LambdaInvokeSpec): string[] {
  const regex = typeof spec.body === 'object' ? spec.body.regex : undefined;
  const problem = regex === undefined ? undefined : userRegexProblem(regex);
  return problem ? [regexProblemText(problem)] : [];
}
