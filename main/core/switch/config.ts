/**
 * The `switch:` section of offload.yml: which keys in which of the user's files point dev tools at the local
 * models or at AWS, and how to start the local model servers again when switching back.
 */
import path from 'node:path';
import type { JsonSchema } from '../vocabulary';
import { durationSchema, parseDuration } from '../units/duration';

/** JSON Schema of `switch:`. */
export const switchSchema: JsonSchema = {
  type: 'object',
  description:
    'Config switch between local models and AWS (`offload switch local|aws`). Only the listed keys change; comments and everything else in the files stay byte for byte.',
  additionalProperties: false,
  properties: {
    files: {
      type: 'array',
      description: 'Files whose keys are switched.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['path', 'keys'],
        properties: {
          path: { type: 'string', minLength: 1, description: 'File path, relative to the project folder.' },
          format: {
            enum: ['env', 'json', 'yaml'],
            description: 'File format (default: inferred from the extension; `.env*` files are env).',
          },
          keys: {
            type: 'object',
            description:
              'KEY (dotted path for JSON/YAML, e.g. `llm.baseUrl`) -> its AWS and local values. Values may use ${{ env.X }}, ${{ secrets.X }}, ${{ project.dir }}; step outputs are given through the switch-config step.',
            minProperties: 1,
            additionalProperties: {
              type: 'object',
              additionalProperties: false,
              required: ['aws', 'local'],
              properties: {
                aws: { type: 'string', description: 'Value when the dev tools point at AWS.' },
                local: { type: 'string', description: 'Value when they point at the local model servers.' },
              },
            },
          },
        },
      },
    },
    'local-models': {
      type: 'object',
      description: 'How to bring the local model servers back when switching to local.',
      additionalProperties: false,
      properties: {
        start: {
          type: 'string',
          description: 'Shell command that starts them (e.g. `ollama serve`), run detached.',
        },
        timeout: durationSchema(
          'How long a started model server has to be listed and answer on its port (Ollama `/api/version`, OpenAI-compatible `/v1/models`); default 30s.',
        ),
      },
    },
  },
};

export type SwitchFormat = 'env' | 'json' | 'yaml';

export interface SwitchFileConfig {
  /** Absolute path. */
  path: string;
  /** Path as written in offload.yml (for messages). */
  display: string;
  format: SwitchFormat;
  keys: Record<string, { aws: string; local: string }>;
}

/** The parsed `switch:` section. */
export interface SwitchConfig {
  files: SwitchFileConfig[];
  localModelsStart?: string;
  /** `local-models.timeout`: how long the started server has to be listed and answer (ms). */
  localModelsTimeoutMs?: number;
}

/** Infers a file's format from its name: .json/.jsonc -> json, .yml/.yaml -> yaml, everything else env. */
export function inferFormat(file: string): SwitchFormat {
  const base = path.basename(file).toLowerCase();
  if (/\.jsonc?$/.test(base)) return 'json';
  if (/\.ya?ml$/.test(base)) return 'yaml';
  return 'env';
}

/** Parses `switch:` (already schema-validated); relative paths resolve against the project folder. */
export function parseSwitchConfig(raw: unknown, projectDir: string): SwitchConfig {
  const r = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const files = Array.isArray(r.files) ? (r.files as Record<string, unknown>[]) : [];
  const lm = (r['local-models'] ?? {}) as Record<string, unknown>;
  return {
    files: files.map((f) => {
      const display = String(f.path);
      const abs = path.resolve(projectDir, display);
      const keys: SwitchFileConfig['keys'] = {};
      for (const [k, v] of Object.entries(
        (f.keys ?? {}) as Record<string, { aws?: unknown; local?: unknown }>,
      )) {
        keys[k] = { aws: String(v?.aws ?? ''), local: String(v?.local ?? '') };
      }
      const format =
        f.format === 'env' || f.format === 'json' || f.format === 'yaml' ? f.format : inferFormat(abs);
      return { path: abs, display, format, keys };
    }),
    localModelsStart: typeof lm.start === 'string' && lm.start.trim() ? lm.start : undefined,
    localModelsTimeoutMs: parseDuration(lm.timeout),
  };
}
