/**
 * The `stop-local-models` step kind (the rule's phase 5): stops the local model servers through the
 * machine watch, logs and records each outcome, and fails when a server came back or one was refused.
 *   - stop-local-models: true
 *   - stop-local-models: { servers: [ollama], except: [comfyui], verify-gone: 10s }
 */
import type { OffloadConfig, StepKind, StopOutcome } from '../vocabulary';
import { CATALOGUE } from './catalogue';
import { formatBytes } from '../format';
import { parseDurationMs } from './config';
import { durationSchema } from '../units';
import { freedTotal } from './relief';
import { createMachineWatch } from './watch';

/** The value under `stop-local-models:`. */
export type StopLocalModelsSpec =
  true | { servers?: string[]; except?: string[]; 'verify-gone'?: string | number };

/** One line per outcome, for logs and the CLI. */
export function describeOutcome(o: StopOutcome): string {
  const freed =
    o.result === 'stopped' && o.freed
      ? ` — freed ${formatBytes(o.freed.rssBytes)} RAM${o.freed.gpuMemBytes ? `, ${formatBytes(o.freed.gpuMemBytes)} VRAM` : ''}`
      : '';
  return `${o.result}: ${o.title} (pid ${o.pid})${freed}${o.reason ? ` — ${o.reason}` : ''}${o.advice ? ` — run: ${o.advice}` : ''}`;
}

/**
 * Server ids the step names (`servers`, `except`) that are neither in the catalogue nor a `models.matchers`
 * name: a typo would stop nothing (or everything), so it is refused before anything is signalled.
 */
function unknownServers(spec: StopLocalModelsSpec | null, config: OffloadConfig): string[] {
  if (spec === true || !spec) return [];
  const known = [...CATALOGUE.map((e) => e.id), ...config.models.matchers.map((m) => m.name)];
  const unknown = [...(spec.servers ?? []), ...(spec.except ?? [])].filter((s) => !known.includes(s));
  if (unknown.length === 0) return [];
  return [
    `unknown model server id${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => JSON.stringify(u)).join(', ')}: use a catalogue id or a models.matchers name (${known.join(', ')})`,
  ];
}

/** Stops the local model servers (all, or those named) and verifies they stay gone. */
export const stopLocalModelsStep: StepKind<StopLocalModelsSpec> = {
  key: 'stop-local-models',
  // Shutdown only: stopping the local model servers is what the shutdown gate guards (an AWS deployment that
  // passed, and AWS testing since the latest change to AWS). In any other phase it would stop them without that
  // gate: in local or aws-prepare before AWS is even there, in monitor with no gate at all.
  phases: ['shutdown'],
  schema: {
    description:
      'Stops the local model servers (Ollama, llama.cpp, vLLM, …): graceful unload, then the process tree, verified. `true` stops all.',
    anyOf: [
      { const: true },
      {
        type: 'object',
        additionalProperties: false,
        properties: {
          servers: {
            type: 'array',
            items: { type: 'string' },
            description: 'Only these server ids (e.g. `ollama`, `llama.cpp`, `vllm`, or a matcher name).',
          },
          except: { type: 'array', items: { type: 'string' }, description: 'Every server except these ids.' },
          'verify-gone': durationSchema(
            'How long to watch for a stopped server coming back (default: models.verify, 5s).',
          ),
        },
      },
    ],
  },
  check: (spec, config) => unknownServers(spec, config),
  describe: (step) => {
    const s = step.spec;
    if (s === true || !s) return 'stop all local model servers';
    if (s.servers?.length) return `stop local model servers: ${s.servers.join(', ')}`;
    return `stop local model servers${s.except?.length ? ` except ${s.except.join(', ')}` : ''}`;
  },
  async execute(ctx, step) {
    const config = ctx.services.config;
    const refused = config ? unknownServers(step.spec, config) : [];
    if (refused.length) return { status: 'failed', summary: refused.join('; ') };
    let watch = ctx.services.machine;
    const own = !watch;
    watch ??= createMachineWatch({ env: ctx.env });
    const spec = step.spec === true || !step.spec ? {} : step.spec;
    try {
      if (ctx.signal.aborted) return { status: 'failed', summary: 'cancelled' };
      const outcomes = await watch.stopModelServers({
        all: true,
        servers: spec.servers,
        except: spec.except,
        verifyMs: spec['verify-gone'] === undefined ? undefined : parseDurationMs(spec['verify-gone'], 5000),
      });
      for (const o of outcomes) {
        ctx.log(describeOutcome(o) + '\n', o.result === 'stopped' ? 'info' : 'stderr');
        for (const h of o.how) ctx.log(`  ${h}\n`, 'info');
      }
      ctx.record('stop-local-models', outcomes);
      if (outcomes.length)
        ctx.services.history?.appendProjectEvent('stop-local-models', {
          trigger: 'step',
          reason: `step ${ctx.stepId} of run ${ctx.runId} (phase ${ctx.phase})`,
          outcomes,
        });
      const bad = outcomes.filter((o) => o.result !== 'stopped');
      const freed = freedTotal(outcomes);
      if (outcomes.length === 0) return { status: 'passed', summary: 'no local model servers running' };
      if (bad.length) {
        return {
          status: 'failed',
          summary: `${bad.length} of ${outcomes.length} not stopped (${bad.map((o) => `${o.title} ${o.result}`).join(', ')})`,
        };
      }
      return {
        status: 'passed',
        summary: `stopped ${outcomes.length} local model server${outcomes.length === 1 ? '' : 's'}, freed ${formatBytes(freed.ramBytes)} RAM${freed.vramBytes ? `, ${formatBytes(freed.vramBytes)} VRAM` : ''}`,
        outputs: { stopped: String(outcomes.length) },
      };
    } finally {
      if (own) watch.stop();
    }
  },
};
