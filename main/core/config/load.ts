/**
 * Loading offload.yml: read it (bounded), parse the YAML with positions and refuse what YAML allows but a config
 * must not hold, validate against the JSON Schema (Ajv, every error), then the rule's own checks (step kinds,
 * ids, interpolation, workflow order), and build the model. Every problem is reported at once.
 * Validation lives in validate-*.ts, the messages in messages.ts, the model in model.ts.
 */
import path from 'node:path';
import { isAlias, isNode, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { ConfigError, type OffloadConfig } from './types';
import { ALWAYS_SECRET } from './schema';
import { aliasBomb, aliasTargets, readConfigFile } from './yaml-bounds';
import { directiveProblems, documentProblems, recursiveAliases, utf8Problem } from './yaml-strict';
import { yamlErrorText } from './yaml-positions';
import { Checker, isObject, reportSchemaErrors, sortProblems } from './messages';
import { checkSchemaValues, validationSchema, validatorFor, type LoadConfigOptions } from './validate-schema';
import {
  assignIds,
  checkInterpolation,
  checkStepSpecs,
  fileSystemProblems,
  checkWorkflows,
  collectSteps,
} from './validate-steps';
import { buildConfig } from './model';
import { configWarnings } from './warnings';
import { sha256Hex } from '../platform/digest';

export { formatPath } from './messages';
export {
  AJV_OPTIONS,
  usePrecompiledValidator,
  validationSchema,
  type LoadConfigOptions,
} from './validate-schema';
export { findStep, secretNames, slugify, stepRunsBefore, type StepPlace } from './model';

/**
 * Parses and validates config text as if read from `file`. Throws ConfigError listing every problem, sorted by
 * position. loadConfig reads the file and calls this.
 */
export function parseConfig(bytes: Buffer | string, file: string, opts: LoadConfigOptions): OffloadConfig {
  const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  const hash = sha256Hex(buf);
  const text = buf.toString('utf8');
  const lc = new LineCounter();
  // uniqueKeys off: the package's check is quadratic in a map's size; duplicateKeys does it in linear time.
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true, merge: true, uniqueKeys: false });
  const c = new Checker(file, doc, lc, text);
  const notUtf8 = utf8Problem(buf);
  if (notUtf8) {
    c.add(notUtf8.offset, [], notUtf8.message);
    throw new ConfigError(c.problems);
  }
  if (!doc.errors.length) {
    const strict = [...directiveProblems(doc), ...documentProblems(doc, text)];
    const targets = text.includes('*') ? aliasTargets(doc) : undefined;
    if (targets) strict.push(...recursiveAliases(doc, targets));
    for (const p of strict) c.add(p.offset, p.path ?? [], p.message);
    const bomb = c.problems.length || !targets ? undefined : aliasBomb(doc, undefined, targets);
    if (bomb) c.add(bomb.offset, [], bomb.message);
    if (c.problems.length) throw new ConfigError(sortProblems(c.problems));
  }
  if (doc.errors.length) {
    // Nesting deep enough to exhaust the parser's stack fails at a depth that depends on the caller's stack:
    // one problem in plain words, however many of the parser's errors it caused.
    const overflow = doc.errors.findIndex((e) => /Maximum call stack size exceeded/.test(e.message));
    if (overflow >= 0) {
      const pos = doc.errors[overflow]!.linePos?.[0];
      c.problems.push({
        file,
        line: pos?.line ?? 1,
        column: pos?.col ?? 1,
        path: '',
        message: 'YAML nested too deeply to read: use fewer levels of [ ] / { } or indentation',
      });
      throw new ConfigError(c.problems);
    }
    for (const e of doc.errors) {
      const pos = e.linePos?.[0];
      const message = yamlErrorText(e);
      c.problems.push({
        file,
        line: pos?.line ?? 1,
        column: pos?.col ?? 1,
        path: '',
        message: `YAML syntax error: ${message}`,
      });
    }
    throw new ConfigError(sortProblems(c.problems));
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    // an alias to an anchor not set before it is placed at the alias; a resource limit has no one place
    c.add(unresolvedAliasOffset(doc) ?? 0, [], `cannot read the YAML: ${(err as Error).message}`);
    throw new ConfigError(c.problems);
  }
  if (data === null || data === undefined) {
    c.add(0, [], 'the file is empty: expected a mapping with name, phases, …');
    throw new ConfigError(c.problems);
  }
  const validate = validatorFor(opts);
  if (!validate(data)) reportSchemaErrors(c, validate.errors ?? [], data);
  if (!isObject(data)) throw new ConfigError(sortProblems(c.problems));
  checkSchemaValues(c, validationSchema(opts), data);

  const steps = collectSteps(c, data, opts);
  assignIds(c, steps);
  const secrets = new Set([
    ...(Array.isArray(data.secrets) ? data.secrets.map(String) : []),
    ...ALWAYS_SECRET,
  ]);
  checkInterpolation(c, data, steps, secrets);
  checkWorkflows(c, data);
  for (const p of fileSystemProblems(data, steps, path.dirname(file))) c.atValue(p.path, p.message);
  if (c.problems.length) throw new ConfigError(sortProblems(c.problems));
  const config = buildConfig(file, hash, data, steps, c, opts);
  const warnings = configWarnings(c, config);
  if (warnings.length) config.warnings = warnings;
  checkStepSpecs(c, steps, opts, config);
  if (c.problems.length) throw new ConfigError(sortProblems(c.problems));
  return config;
}

/**
 * Loads and validates offload.yml against the registered step kinds and sections. Throws ConfigError listing
 * every problem with file:line:col, key path and what was expected; nothing may run then.
 */
export function loadConfig(file: string, opts: LoadConfigOptions): OffloadConfig {
  const abs = path.resolve(file);
  let bytes: Buffer;
  try {
    bytes = readConfigFile(abs);
  } catch (err) {
    // No file has no line and column; create one rather than read one.
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ConfigError([
      {
        file: abs,
        line: missing ? 0 : 1,
        column: missing ? 0 : 1,
        path: '',
        message: missing
          ? 'does not exist; create it with `offload init` in the project folder, or pass --config with the path of an existing offload.yml'
          : `cannot read the config: ${(err as Error).message}`,
      },
    ]);
  }
  return parseConfig(bytes, abs, opts);
}

/** The offset of the first alias (`*name`) whose anchor (`&name`) is not set before it; undefined when none. */
function unresolvedAliasOffset(doc: Document): number | undefined {
  const anchors = new Set<string>();
  let at: number | undefined;
  visit(doc, (_key, node) => {
    if (isAlias(node)) {
      if (anchors.has(node.source)) return undefined;
      at = node.range?.[0];
      return visit.BREAK;
    }
    if (isNode(node) && node.anchor) anchors.add(node.anchor);
    return undefined;
  });
  return at;
}
