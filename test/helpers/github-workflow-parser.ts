/**
 * GitHub's own workflow parser (@actions/workflow-parser: the schema the Actions service and its VS Code
 * extension use), loaded through esbuild: the package imports its schema JSON the bundler way, which Node
 * refuses without an import attribute.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';

interface Parser {
  parseWorkflow(
    file: { name: string; content: string },
    trace: unknown,
  ): { context: { errors: { getErrors(): { message: string }[] } } };
  NoOperationTraceWriter: new () => unknown;
}

let parser: Parser | undefined;

/** The messages GitHub's parser gives for a workflow file's text (empty: valid). */
export function workflowErrors(content: string, name = 'workflow.yml'): string[] {
  if (!parser) {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'offload-wfp-')), 'parser.cjs');
    buildSync({
      // Its package exports only `import`: esbuild resolves it as ESM and bundles it to one CommonJS file.
      stdin: { contents: "export * from '@actions/workflow-parser';", resolveDir: __dirname, loader: 'js' },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: out,
      logLevel: 'error',
    });
    parser = createRequire(out)(out) as Parser;
  }
  const p = parser;
  return p
    .parseWorkflow({ name, content }, new p.NoOperationTraceWriter())
    .context.errors.getErrors()
    .map((e) => e.message);
}
