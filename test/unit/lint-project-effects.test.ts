/**
 * Project effects stay inside main/core/boundary (eslint.config.mjs, the `project-effects/` rules): a file in
 * main/ that opens a socket, calls fetch or builds an AWS SDK client itself fails the lint; the boundary, the
 * SDK client factory and platform's loopback helper may. Each snippet is linted as if it stood at a path in the
 * tree (nothing is written).
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: root, overrideConfigFile: path.join(root, 'eslint.config.mjs') });
});

/** The project-effects messages ESLint gives `text` placed at `file` (relative to the repository root). */
async function effectErrors(file: string, text: string): Promise<string[]> {
  const [result] = await eslint.lintText(text, { filePath: path.join(root, file) });
  expect(result, file).toBeDefined();
  const fatal = result!.messages.filter((m) => m.fatal);
  expect(fatal, `${file} did not parse`).toEqual([]);
  return result!.messages.filter((m) => m.ruleId?.startsWith('project-effects/')).map((m) => m.message);
}

const NETWORK = /Project effects stay inside main\/core\/boundary: requests go through/;
const AWS = /Project effects stay inside main\/core\/boundary: AWS clients come from/;
const GIT = /Project effects stay inside main\/core\/boundary: git runs through boundary\/git/;

const violations: [what: string, file: string, text: string, message: RegExp][] = [
  [
    'node:http in a concern',
    'main/core/aws/watch.ts',
    "import http from 'node:http';\nvoid http;\n",
    NETWORK,
  ],
  [
    'https in a step kind',
    'main/core/workflow/steps/x.ts',
    "import * as h from 'https';\nvoid h;\n",
    NETWORK,
  ],
  [
    'node:net in a step kind',
    'main/core/workflow/steps/tcp.ts',
    "import net from 'node:net';\nvoid net;\n",
    NETWORK,
  ],
  [
    'a named import from node:tls',
    'main/core/k8s/x.ts',
    "import { connect } from 'node:tls';\nvoid connect;\n",
    NETWORK,
  ],
  ['undici in the CLI', 'main/cli/x.ts', "import { request } from 'undici';\nvoid request;\n", NETWORK],
  ["require('node:http')", 'main/core/machine/x.ts', "export const h = require('node:http');\n", NETWORK],
  ["import('node:net')", 'main/core/x.ts', "export const n = import('node:net');\n", NETWORK],
  ['a re-export of node:https', 'main/core/x.ts', "export { request } from 'node:https';\n", NETWORK],
  ['global fetch', 'main/core/aws/watch.ts', "export const r = fetch('http://x');\n", NETWORK],
  [
    'git from platform/ in a concern',
    'main/core/team/x.ts',
    "import { runGit } from '../platform/git';\nvoid runGit;\n",
    GIT,
  ],
  ['fetch passed on as a value', 'main/core/x.ts', 'export const f = fetch;\n', NETWORK],
  ['globalThis.fetch', 'main/core/x.ts', "export const r = globalThis.fetch('http://x');\n", NETWORK],
  ['fetch in the tray', 'main/app/x.ts', "export const r = fetch('http://x');\n", NETWORK],
  [
    'an SDK client built in a concern',
    'main/core/aws/ecs.ts',
    "import { ECSClient } from '@aws-sdk/client-ecs';\nexport const c = new ECSClient({ endpoint: 'http://x' });\n",
    AWS,
  ],
  [
    'an SDK client built from require()',
    'main/core/load-test/x.ts',
    "export const c = new (require('@aws-sdk/client-lambda')).LambdaClient({});\n",
    AWS,
  ],
  [
    'createAwsClients imported around the boundary',
    'main/core/offload.ts',
    "import { createAwsClients } from './aws/clients';\nexport const c = createAwsClients({} as never);\n",
    AWS,
  ],
  [
    'createAwsClients renamed on import',
    'main/core/x.ts',
    "import { createAwsClients as make } from './aws/clients';\nexport const c = make;\n",
    AWS,
  ],
  [
    'createAwsClients through a namespace',
    'main/core/x.ts',
    "import * as clients from './aws/clients';\nexport const c = clients.createAwsClients({} as never);\n",
    AWS,
  ],
  [
    'platform building an SDK client',
    'main/core/platform/x.ts',
    "export const c = new (require('@aws-sdk/client-ecs')).ECSClient({});\n",
    AWS,
  ],
  [
    'the SDK factory calling fetch',
    'main/core/aws/clients.ts',
    "export const r = fetch('http://x');\n",
    NETWORK,
  ],
];

const allowed: [what: string, file: string, text: string][] = [
  [
    'git from platform/ in the boundary',
    'main/core/boundary/git.ts',
    "import { runGit } from '../platform/git';\nvoid runGit;\n",
  ],
  [
    'the boundary using node:net',
    'main/core/boundary/network.ts',
    "import net from 'node:net';\nvoid net;\n",
  ],
  ['the boundary calling fetch', 'main/core/boundary/network.ts', "export const r = fetch('http://x');\n"],
  [
    'the boundary building clients',
    'main/core/boundary/network.ts',
    "import { createAwsClients } from '../aws/clients';\nexport const c = createAwsClients({} as never);\n",
  ],
  [
    'the SDK factory building a client',
    'main/core/aws/clients.ts',
    "export const c = new (require('@aws-sdk/client-ecs')).ECSClient({});\n",
  ],
  [
    'platform talking to a loopback model server',
    'main/core/platform/x.ts',
    "import http from 'node:http';\nvoid http;\n",
  ],
  [
    'a type from node:net',
    'main/core/x.ts',
    "import type { Socket } from 'node:net';\nexport type S = Socket;\n",
  ],
  [
    'the boundary through its index',
    'main/core/aws/x.ts',
    "import { projectEffects } from '../boundary';\nvoid projectEffects;\n",
  ],
  [
    'a local named fetch',
    'main/core/x.ts',
    'export function f(fetch: () => number) {\n  return fetch();\n}\n',
  ],
  [
    'SDK commands (not clients)',
    'main/core/aws/x.ts',
    'declare const sdk: { DescribeServicesCommand: new (i: object) => object };\nexport const c = new sdk.DescribeServicesCommand({});\n',
  ],
];

describe('project effects stay inside main/core/boundary', () => {
  it.each(violations)('%s is refused (%s)', async (_what, file, text, message) => {
    const errors = await effectErrors(file, text);
    expect(errors.length, `${file}: ${JSON.stringify(errors)}`).toBeGreaterThan(0);
    for (const e of errors) expect(e).toMatch(message);
  });

  it.each(allowed)('%s is allowed (%s)', async (_what, file, text) => {
    expect(await effectErrors(file, text)).toEqual([]);
  });

  it('the tree as it stands keeps its effects inside the boundary', async () => {
    const results = await eslint.lintFiles([
      'main/core/aws/watch.ts',
      'main/core/aws/step-support.ts',
      'main/core/offload.ts',
      'main/core/workflow/steps/http.ts',
      'main/core/workflow/steps/tcp.ts',
      'main/core/k8s/eks-cluster.ts',
      'main/core/machine/graceful.ts',
    ]);
    const found = results.flatMap((r) =>
      r.messages
        .filter((m) => m.ruleId?.startsWith('project-effects/'))
        .map((m) => `${path.relative(root, r.filePath)}:${m.line}: ${m.message}`),
    );
    expect(found).toEqual([]);
  });
});
