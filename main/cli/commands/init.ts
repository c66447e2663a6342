/** `offload init`: writes a commented starter offload.yml prefilled from what the project contains. */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { initConfig, writeFileAtomic, type Finding, type FindingKind } from '../../core/offload';
import { EXIT } from '../exit-codes';
import type { CliContext } from '../context';
import { printJson } from '../terminal';
import { visibleText } from '../../core/format';

export function registerInitCommand(program: Command, ctx: CliContext): void {
  program
    .command('init')
    .description('write a starter offload.yml for the project in the current (or given) folder')
    .argument('[dir]', 'project folder', '.')
    .option('--force', 'overwrite an existing offload.yml')
    .option('--json', 'print what was written as JSON')
    .action(async (dir: string, opts: { force?: boolean; json?: boolean }) => {
      const term = ctx.term();
      const root = path.resolve(ctx.cwd, dir);
      const file = path.join(root, 'offload.yml');
      if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
        term.err.write(`offload: ${root} is not a folder\n`);
        ctx.exit(EXIT.usage);
        return;
      }
      if (fs.existsSync(file) && !opts.force) {
        term.err.write(`offload: ${file} already exists; use --force to overwrite it\n`);
        ctx.exit(EXIT.usage);
        return;
      }
      const { text, findings } = await initConfig(root);
      writeFileAtomic(file, text);
      if (opts.json) {
        printJson(term, { file, findings });
        return;
      }
      term.out.write(`${term.green('✅')} wrote ${visibleText(file, { newlines: false })}\n`);
      for (const line of findingsReport(findings)) term.out.write(`${line}\n`);
      term.out.write(
        findings.some((f) => f.kind === 'todo')
          ? `Next: \`offload run local\`; then do the to-dos above (steps named TODO fail on purpose until filled in), \`offload validate\` and \`offload run full\`.\n`
          : `Next: \`offload run local\`, \`offload validate\` and \`offload run full\`.\n`,
      );
    });
}

const GROUPS: readonly [FindingKind, string][] = [
  ['recognised', 'Recognised'],
  ['seen-not-used', 'Seen but not used (why)'],
  ['todo', 'To do before AWS (what to run)'],
];

/** init's findings under their headings, a heading only where it has something (nothing at all: one line). */
export function findingsReport(findings: readonly Finding[]): string[] {
  const lines = GROUPS.flatMap(([kind, title]) => {
    const of = findings.filter((f) => f.kind === kind);
    // a finding quotes the repository (folder and file names): shown, never obeyed
    return of.length
      ? [`${title}:`, ...of.map((f) => `   - ${visibleText(f.text, { newlines: false })}`)]
      : [];
  });
  return lines.length ? lines : ['Nothing recognised: fill in the TODO steps in offload.yml.'];
}
