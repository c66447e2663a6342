/**
 * The size rules (eslint.config.mjs, issue 15): a source file over 500 lines or a function over 150 in main/,
 * preload/ or renderer/ fails the lint; tests and generated files do not. Each snippet is linted as if it stood
 * at a path in the tree (nothing is written).
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
let eslint: ESLint;
beforeAll(async () => {
  eslint = new ESLint({ cwd: root, overrideConfigFile: path.join(root, 'eslint.config.mjs') });
});

/** The size rules `text` breaks placed at `file` (relative to the repository root). */
async function sizeErrors(file: string, text: string): Promise<string[]> {
  const [result] = await eslint.lintText(text, { filePath: path.join(root, file) });
  expect(
    result!.messages.filter((m) => m.fatal),
    `${file} did not parse`,
  ).toEqual([]);
  return result!.messages
    .filter((m) => m.ruleId === 'max-lines' || m.ruleId === 'max-lines-per-function')
    .map((m) => m.ruleId!);
}

/** A file of exactly `lines` lines (blank lines count too). */
const fileOf = (lines: number) =>
  `export const first = 1;\n${'\n'.repeat(lines - 2)}export const last = 2;\n`;
/** A function of exactly `lines` lines, from its `function` line to its closing brace. */
const functionOf = (lines: number) =>
  `export function long(): number {\n  let n = 0;\n${'  n++;\n'.repeat(lines - 4)}  return n;\n}\n`;

describe('size rules', () => {
  it('a file of 501 lines fails in main/, preload/ and renderer/; one of 500 passes', async () => {
    for (const file of ['main/core/x.ts', 'preload/x.ts', 'renderer/x.ts', 'main/app/x.ts'])
      expect(await sizeErrors(file, fileOf(501)), file).toEqual(['max-lines']);
    expect(await sizeErrors('main/core/x.ts', fileOf(500))).toEqual([]);
  });

  it('a function of 151 lines fails; one of 150 passes', async () => {
    for (const file of ['main/core/aws/x.ts', 'preload/x.ts', 'renderer/x.ts', 'main/cli/x.ts'])
      expect(await sizeErrors(file, functionOf(151)), file).toEqual(['max-lines-per-function']);
    expect(await sizeErrors('main/core/x.ts', functionOf(150))).toEqual([]);
    const arrow = `export const f = () => {\n${'  void 0;\n'.repeat(150)}};\n`;
    expect(await sizeErrors('renderer/x.ts', arrow)).toEqual(['max-lines-per-function']);
    const method = `export class C {\n  m(): void {\n${'    void 0;\n'.repeat(150)}  }\n}\n`;
    expect(await sizeErrors('main/core/x.ts', method)).toEqual(['max-lines-per-function']);
  });

  it('tests and generated files are not held to it', async () => {
    expect(await sizeErrors('test/unit/x.test.ts', fileOf(900) + functionOf(300))).toEqual([]);
    expect(await sizeErrors('main/core/x.generated.ts', fileOf(900))).toEqual([]);
    expect(await sizeErrors('renderer/generated/x.ts', functionOf(300))).toEqual([]);
  });
});
