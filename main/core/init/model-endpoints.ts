/**
 * Finds the user's dev-config values that point at a local model server (`.env`, JSON and YAML files in the
 * project folder and its direct sub-folders), for the `switch:` section. Only those values are copied into
 * offload.yml: keys that look secret are skipped, and so are URLs that carry credentials.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ParseError } from 'jsonc-parser';
import { parseDocument } from 'yaml';
import { CATALOGUE } from '../machine/catalogue';
import { inferFormat } from '../switch/config';
import { jsonc, readValue } from '../switch/edit';
import { filesIn, readText, relCwd, subDirs, type SwitchFileDraft, type SwitchKeyDraft } from './plan';

const MAX_FILE_BYTES = 256 * 1024;

/** Files that are never the user's dev config (manifests, lockfiles, tool and Offload config). */
const NOT_DEV_CONFIG =
  /^(package(-lock)?\.json|npm-shrinkwrap\.json|[jt]sconfig(\..+)?\.json|cdk(\.context)?\.json|.*\.schema\.json|offload\.ya?ml|(docker-)?compose(\..+)?\.ya?ml|template\.ya?ml|pnpm-lock\.yaml|\.pre-commit-config\.yaml|\.gitlab-ci\.yml)$/i;
/** Templates that hold example values, not the ones in use. */
const TEMPLATE = /(^|\.)(example|sample|template|dist|defaults?)(\.|$)/i;
const ENV_FILE = /^(\.env(\..+)?|.+\.env)$/i;

/** Keys whose values are secrets: never copied into offload.yml. */
const SECRET_KEY = /(key|token|secret|passw(or)?d|credentials?)$/i;
/** Keys that say they are about models, for ports that web servers use as often as model servers. */
const MODEL_KEY =
  /(model|llm|openai|ollama|inference|embed|completion|chat|vllm|llama|comfy|diffusion|whisper|kobold|lmstudio|lm_studio)/i;
/** A URL (or host:port) on this machine, without credentials. */
const LOCAL_URL = /^(?:https?:\/\/)?(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]):(\d{2,5})(\/\S*)?$/i;
/** Default ports that many web servers use too: a model server only with an OpenAI-style /v1 path or a model key. */
const SHARED_PORTS = new Set([3000, 5000, 8000, 8080]);

/** The model server a value points at, or undefined when it is not a local model server. */
export function localModelServer(key: string, value: string): SwitchKeyDraft['server'] | undefined {
  const leaf = key.split('.').pop() ?? key;
  if (SECRET_KEY.test(leaf)) return undefined;
  const m = LOCAL_URL.exec(value.trim());
  if (!m) return undefined;
  const port = Number(m[1]);
  const modelKey = MODEL_KEY.test(key);
  const known = CATALOGUE.find((e) => e.defaultPort === port);
  if (known && (!SHARED_PORTS.has(port) || modelKey || /^\/v1\b/.test(m[2] ?? '')))
    return { id: known.id, title: known.title };
  return modelKey ? { title: `a model server on port ${port}` } : undefined;
}

/** The env variable an AWS value is read from until filled in: AWS_ + the key in upper snake case. */
export const awsEnvName = (key: string): string =>
  `AWS_${key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase()}`;

/** Dotted paths of the string leaves of a parsed JSON/YAML document (objects only: switch keys are dotted). */
function stringLeaves(value: unknown, prefix = ''): string[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
    if (k.includes('.') || !k) return [];
    const key = prefix ? `${prefix}.${k}` : k;
    return typeof v === 'string' ? [key] : stringLeaves(v, key);
  });
}

/** Candidate keys of a file: every assigned name (env) or string leaf (JSON, YAML). */
function candidateKeys(text: string, format: 'env' | 'json' | 'yaml'): string[] {
  if (format === 'env') {
    const keys = [...text.matchAll(/^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=/gm)].map(
      (m) => m[1]!,
    );
    return [...new Set(keys)];
  }
  if (format === 'json') {
    const errors: ParseError[] = [];
    const doc: unknown = jsonc().parse(text, errors, { allowTrailingComma: true });
    return errors.length ? [] : stringLeaves(doc);
  }
  // A file that does not parse, or an alias bomb (the parser refuses excessive aliases), has no keys to offer.
  try {
    const doc = parseDocument(text);
    return doc.errors.length ? [] : stringLeaves(doc.toJS());
  } catch {
    return [];
  }
}

function isDevConfigFile(name: string): boolean {
  if (NOT_DEV_CONFIG.test(name) || TEMPLATE.test(name)) return false;
  return ENV_FILE.test(name) || /\.(jsonc?|ya?ml)$/i.test(name);
}

function keysIn(file: string): SwitchKeyDraft[] {
  try {
    if (fs.statSync(file).size > MAX_FILE_BYTES) return [];
  } catch {
    return [];
  }
  const text = readText(file);
  if (text === undefined) return [];
  const format = inferFormat(file);
  return candidateKeys(text, format).flatMap((key) => {
    const local = readValue(text, format, key);
    const server = local === undefined ? undefined : localModelServer(key, local);
    return server && local !== undefined ? [{ key, local, awsEnv: awsEnvName(key), server }] : [];
  });
}

/** An env template (`.env.example`) and the file a developer copies it to (`.env`). */
const ENV_TEMPLATE = /^\.env\.(example|sample|template|dist)$/i;

/**
 * The dev-config files of the project (folder and direct sub-folders) with keys that point at local model
 * servers. Where a folder has `.env.example` and no `.env`, its keys are switched in `.env` (the file a
 * developer copies it to), with `example` naming the template.
 */
export function findModelEndpoints(root: string): SwitchFileDraft[] {
  const out: SwitchFileDraft[] = [];
  for (const dir of [root, ...subDirs(root)]) {
    const files = filesIn(dir);
    const where = relCwd(root, dir);
    const rel = (name: string) => (where ? `${where}/${name}` : name);
    for (const name of files.filter(isDevConfigFile)) {
      const keys = keysIn(path.join(dir, name));
      if (keys.length) out.push({ path: rel(name), keys });
    }
    const template = files.find((f) => ENV_TEMPLATE.test(f));
    if (template && !files.includes('.env')) {
      const keys = keysIn(path.join(dir, template));
      if (keys.length) out.push({ path: rel('.env'), keys, example: rel(template) });
    }
  }
  return out;
}

/** Commands that start a model server again when the dev tools switch back to local. */
export const START_COMMANDS: Readonly<Record<string, string>> = {
  ollama: 'ollama serve',
  'lm-studio': 'lms server start',
};
