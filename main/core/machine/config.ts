/**
 * The `watch:` and `models:` sections of offload.yml: their JSON Schemas (merged into offload.schema.json)
 * and parsers that fill in defaults. Durations are `500ms`, `2s`, `10m`, `1h` or a number of seconds;
 * sizes are `16GB`, `512MB` (1024-based, as everywhere in offload.yml) or a number of bytes.
 */
import type { JsonSchema } from '../vocabulary';
import { durationSchema, parseDuration, parseSize, sizeSchema } from '../units';
import { compileUserRegex, type UserRegex } from '../units/regex';

const alertSchema = (what: string, above: JsonSchema, forDefault: string): JsonSchema => ({
  type: 'object',
  description: `Pressure alert on ${what}. Raised once per episode when above the threshold for the duration; cleared when it falls below the threshold minus the hysteresis.`,
  additionalProperties: false,
  properties: {
    above: above,
    for: durationSchema(
      `How long the reading must stay above the threshold before the alert is raised (default ${forDefault}).`,
    ),
    enabled: { type: 'boolean', description: 'Set false to switch this alert off (default true).' },
  },
});

const pctSchema = (d: string): JsonSchema => ({ type: 'number', minimum: 0, maximum: 100, description: d });

/** JSON Schema of the `watch:` section (machine resource sampling and pressure alerts). */
export const watchSchema: JsonSchema = {
  type: 'object',
  description: 'How Offload watches this machine: sampling intervals, history length and pressure alerts.',
  additionalProperties: false,
  properties: {
    interval: durationSchema('Interval of the cheap readings: CPU load and memory (default 2s).'),
    'process-interval': durationSchema(
      'Interval of the process scan that finds local model servers and their CPU, RSS and ports (default 5s).',
    ),
    'gpu-interval': durationSchema(
      'Interval of GPU readings; one long-lived `nvidia-smi -l` child reports at this rate (default 5s).',
    ),
    history: durationSchema('How much history to keep in memory for sparklines (default 10m).'),
    gpu: { type: 'boolean', description: 'Set false to never start nvidia-smi (default true).' },
    alerts: {
      type: 'object',
      description: 'Pressure alerts. Each fires once per episode and names the biggest local model servers.',
      additionalProperties: false,
      properties: {
        ram: alertSchema('used RAM (% of total)', pctSchema('Percent of RAM in use (default 90).'), '30s'),
        cpu: alertSchema('CPU load (% of all cores)', pctSchema('Percent CPU load (default 90).'), '60s'),
        'gpu-memory': alertSchema(
          'GPU memory of any GPU (% of its total)',
          pctSchema('Percent of a GPU’s memory in use (default 95).'),
          '30s',
        ),
        'model-rss': alertSchema(
          'the resident memory of any one local model server (with its children)',
          sizeSchema('Resident memory of one model server (default 16GB).'),
          '30s',
        ),
        hysteresis: pctSchema(
          'Percentage points below the threshold a reading must fall before an alert clears (default 5).',
        ),
      },
    },
  },
};

const matcherSchema: JsonSchema = {
  type: 'object',
  description: 'A user-defined local model server. At least one of `exe` or `cmdline` is required.',
  additionalProperties: false,
  required: ['name'],
  anyOf: [{ required: ['exe'] }, { required: ['cmdline'] }],
  properties: {
    name: { type: 'string', minLength: 1, description: 'Id shown for matching processes, e.g. `my-llm`.' },
    exe: {
      type: 'string',
      minLength: 1,
      description:
        'Executable: an absolute path (must equal the process executable) or a file name (must equal its base name).',
    },
    cmdline: {
      type: 'string',
      minLength: 1,
      format: 'regex',
      description:
        'Regular expression (RE2 syntax: no lookaround or backreferences) tested against the full command line (arguments joined by spaces).',
    },
    port: {
      type: 'integer',
      minimum: 1,
      maximum: 65535,
      description: 'Port the server listens on; also used for graceful unloads where the runtime has an API.',
    },
    stop: {
      type: 'string',
      description:
        'Command that stops this server for good (e.g. `systemctl --user stop ollama`); run instead of signalling it.',
    },
    start: {
      type: 'string',
      description: 'Command that starts the server again (shown as advice; never run automatically).',
    },
  },
};

const excludeSchema: JsonSchema = {
  type: 'object',
  description: 'Processes Offload must never list or stop, even if they look like a model server.',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    pid: { type: 'integer', minimum: 1, description: 'Exact process id.' },
    exe: { type: 'string', minLength: 1, description: 'Executable path or base name.' },
    cmdline: {
      type: 'string',
      minLength: 1,
      format: 'regex',
      description:
        'Regular expression (RE2 syntax: no lookaround or backreferences) tested against the full command line.',
    },
  },
};

/** JSON Schema of the `models:` section (which processes are local model servers and how to stop them). */
export const modelsSchema: JsonSchema = {
  type: 'object',
  description:
    'Local model servers: the built-in catalogue (Ollama, llama.cpp, vLLM, …) plus your own matchers, exclusions and stop timing.',
  additionalProperties: false,
  properties: {
    builtin: { type: 'boolean', description: 'Use the built-in catalogue of model servers (default true).' },
    matchers: {
      type: 'array',
      items: matcherSchema,
      description: 'Your own model servers, checked before the catalogue.',
    },
    exclude: { type: 'array', items: excludeSchema, description: 'Processes never to list or stop.' },
    grace: durationSchema('How long to wait after SIGTERM before SIGKILL (default 10s).'),
    verify: durationSchema(
      'How long to watch for a stopped server coming back (respawn) after a stop (default 5s).',
    ),
    'stop-restarters': {
      type: 'boolean',
      description:
        'Also end what restarts a model server (a shell loop such as `while true; do ollama serve; done`) when stopping it (default false: Offload reports it and leaves both running).',
    },
    fit: {
      type: 'object',
      description:
        'Will it fit: which models switching back to local starts (checked against free RAM and VRAM first), at which context, and where llama.cpp keeps its models.',
      additionalProperties: false,
      properties: {
        models: {
          type: 'array',
          items: { type: 'string', minLength: 1 },
          description:
            'Models back-to-local starts (Ollama names such as `llama3.1:8b`, names under a folder, or .gguf paths); none: no check.',
        },
        ctx: { type: 'integer', minimum: 256, description: 'Context length to estimate for (default 4096).' },
        paths: {
          type: 'array',
          items: { type: 'string', minLength: 1 },
          description: 'Folders holding .gguf files (llama.cpp), relative to the project folder.',
        },
      },
    },
  },
};

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.length > 0) : [];

function parseFit(f: Record<string, unknown>): ModelsConfig['fit'] {
  return {
    models: strings(f.models),
    ctx: typeof f.ctx === 'number' ? f.ctx : undefined,
    paths: strings(f.paths),
  };
}

/** Milliseconds for a duration (`2s`, `500ms`, `10m`, a number of seconds), or `fallback` when absent/invalid. */
export function parseDurationMs(v: unknown, fallback: number): number {
  return parseDuration(v) ?? fallback;
}

/** Bytes for a size (`16GB`, `512MiB`, a number of bytes; 1024-based), or `fallback` when absent/invalid. */
export function parseSizeBytes(v: unknown, fallback: number): number {
  return parseSize(v) ?? fallback;
}

/** One pressure threshold. `above` is a percentage, or bytes for model-rss. */
export interface AlertThreshold {
  enabled: boolean;
  above: number;
  forMs: number;
}

/** The parsed `watch:` section with defaults. */
export interface WatchConfig {
  intervals: { cheapMs: number; processesMs: number; gpuMs: number };
  historyMs: number;
  gpu: boolean;
  alerts: {
    ram: AlertThreshold;
    cpu: AlertThreshold;
    gpuMem: AlertThreshold;
    modelRss: AlertThreshold;
    hysteresisPct: number;
  };
}

/** A user-defined model server matcher (checked before the catalogue). */
export interface ModelMatcherConfig {
  name: string;
  exe?: string;
  cmdline?: UserRegex;
  port?: number;
  stop?: string;
  start?: string;
}

/** A process that must never be listed or stopped. */
export interface ModelExclude {
  pid?: number;
  exe?: string;
  cmdline?: UserRegex;
}

/** The parsed `models:` section with defaults. */
export interface ModelsConfig {
  builtin: boolean;
  matchers: ModelMatcherConfig[];
  exclude: ModelExclude[];
  graceMs: number;
  verifyMs: number;
  /** `stop-restarters`: a shell loop that restarts a server is ended with it (else: reported, left alone). */
  stopRestarters: boolean;
  /** `fit`: the models back-to-local starts, the context to estimate for, llama.cpp folders (as written). */
  fit: { models: string[]; ctx?: number; paths: string[] };
}

const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** A user pattern, compiled for linear-time matching (validation has refused a bad one with its place). */
function regex(v: unknown, where: string): UserRegex | undefined {
  const s = str(v);
  if (s === undefined) return undefined;
  try {
    return compileUserRegex(s);
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`, { cause: err });
  }
}

function threshold(raw: unknown, above: number, forMs: number, size = false): AlertThreshold {
  const o = obj(raw);
  return {
    enabled: o.enabled !== false,
    above: size ? parseSizeBytes(o.above, above) : typeof o.above === 'number' ? o.above : above,
    forMs: parseDurationMs(o.for, forMs),
  };
}

/** Parses `watch:` (already schema-validated) and fills in defaults; loading builds it once as `config.watch`. */
export function parseWatchConfig(raw: unknown): WatchConfig {
  const o = obj(raw);
  const a = obj(o.alerts);
  return {
    intervals: {
      cheapMs: Math.max(250, parseDurationMs(o.interval, 2000)),
      processesMs: Math.max(500, parseDurationMs(o['process-interval'], 5000)),
      gpuMs: Math.max(1000, parseDurationMs(o['gpu-interval'], 5000)),
    },
    historyMs: parseDurationMs(o.history, 600_000),
    gpu: o.gpu !== false,
    alerts: {
      ram: threshold(a.ram, 90, 30_000),
      cpu: threshold(a.cpu, 90, 60_000),
      gpuMem: threshold(a['gpu-memory'], 95, 30_000),
      modelRss: threshold(a['model-rss'], 16 * 1024 ** 3, 30_000, true),
      hysteresisPct: typeof a.hysteresis === 'number' ? a.hysteresis : 5,
    },
  };
}

/** Parses `models:` (already schema-validated) with defaults, once at load (`config.models`). Throws on a bad regex. */
export function parseModelsConfig(raw: unknown): ModelsConfig {
  const o = obj(raw);
  const matchers = (Array.isArray(o.matchers) ? o.matchers : []).map((m, i): ModelMatcherConfig => {
    const mo = obj(m);
    const where = `models.matchers[${i}].cmdline`;
    return {
      name: str(mo.name) ?? `matcher-${i + 1}`,
      exe: str(mo.exe),
      cmdline: regex(mo.cmdline, where),
      port: typeof mo.port === 'number' ? mo.port : undefined,
      stop: str(mo.stop),
      start: str(mo.start),
    };
  });
  const exclude = (Array.isArray(o.exclude) ? o.exclude : []).map((e, i): ModelExclude => {
    const eo = obj(e);
    return {
      pid: typeof eo.pid === 'number' ? eo.pid : undefined,
      exe: str(eo.exe),
      cmdline: regex(eo.cmdline, `models.exclude[${i}].cmdline`),
    };
  });
  return {
    builtin: o.builtin !== false,
    matchers,
    exclude,
    graceMs: parseDurationMs(o.grace, 10_000),
    verifyMs: parseDurationMs(o.verify, 5_000),
    stopRestarters: o['stop-restarters'] === true,
    fit: parseFit(obj(o.fit)),
  };
}
