/**
 * `offload models` lists the local model servers (pid, server, CPU %, RSS, GPU memory, ports, loaded
 * models) and `offload models stop [--all | PID…] [--dry-run]` stops them safely, verified.
 * `offload models fit [MODEL…] [--ctx N]` says whether the stored models fit in the memory free now.
 * Exit codes: 0 ok, 1 a stop failed, was refused or the server came back (fit: a model would spill to swap,
 * is not stored or cannot be read), 2 usage error.
 */
import { Command, CommanderError } from 'commander';
import { formatBytes } from '../../core/format';
import type { FitReport, MachineWatch, ModelProcess, StopOutcome } from '../../core/state';
import { stderr, stdout, type OutStream } from '../std-streams';

/** What the command needs from the CLI: the watch (from offload.yml when there is one) and output settings. */
export interface ModelsCommandDeps {
  loadWatch(): Promise<
    Pick<MachineWatch, 'refreshModels' | 'stopModelServers' | 'stop'> & {
      /** Why stopping this server needs a confirmation (a user matcher found something unlike a model server). */
      confirmationNeeded?: (m: ModelProcess) => string | undefined;
      /** Said on stderr before the list: why the project's own matchers are not in use (not trusted yet). */
      note?: string;
    }
  >;
  /** Will it fit: the stored models' needs against the memory free now (`offload models fit`). */
  fitModels?: (o: { names?: string[]; ctx?: number }) => Promise<FitReport>;
  /** Asks one y/N question in a terminal; absent (or not a terminal): nothing is confirmed. */
  ask?: (question: string) => Promise<boolean>;
  /** A global --json flag, when the CLI has one (each subcommand also takes --json). */
  json?: () => boolean;
  color: boolean;
  out?: OutStream;
  err?: OutStream;
  /** Sets the exit code (default: process.exitCode). */
  exit?: (code: number) => void;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/** The human listing (plain text; colour only for the header when enabled). */
export function formatModels(list: ModelProcess[], color = false): string {
  if (list.length === 0) return 'no local model servers running\n';
  const bold = (s: string) => (color ? `\x1b[1m${s}\x1b[22m` : s);
  const rows = [['PID', 'SERVER', 'CPU %', 'RSS', 'GPU MEM', 'PORTS', 'LOADED MODELS']];
  for (const m of list) {
    rows.push([
      String(m.pid),
      m.server,
      m.cpuPct.toFixed(1),
      formatBytes(m.rssBytes),
      formatBytes(m.gpuMemBytes),
      m.ports.join(',') || '–',
      m.loadedModels?.map((x) => `${x.name} (${formatBytes(x.sizeBytes)})`).join(', ') || '–',
    ]);
  }
  const [head, ...rest] = table(rows).split('\n');
  let out = bold(head!) + '\n' + rest.join('\n');
  for (const m of list) {
    const notes: string[] = [];
    if (m.children.length)
      notes.push(`${m.children.length} child process${m.children.length === 1 ? '' : 'es'} included`);
    if (m.supervisor)
      notes.push(
        m.supervisor.pid !== undefined
          ? `restarted by pid ${m.supervisor.pid} (${m.supervisor.name}; stop: ${m.supervisor.stopCommand})`
          : `supervised by ${m.supervisor.kind} ${m.supervisor.name} (stop: ${m.supervisor.stopCommand})`,
      );
    if (notes.length) out += `  ${m.pid}: ${notes.join('; ')}\n`;
  }
  return out;
}

/** One line per stop outcome. */
export function formatOutcomes(outcomes: StopOutcome[], color = false): string {
  if (outcomes.length === 0) return 'no local model servers to stop\n';
  const paint = (r: StopOutcome['result'], s: string) =>
    !color ? s : r === 'stopped' ? `\x1b[32m${s}\x1b[39m` : r === 'would-stop' ? s : `\x1b[31m${s}\x1b[39m`;
  let out = '';
  for (const o of outcomes) {
    const freed =
      o.result === 'stopped' && o.freed
        ? ` freed ${formatBytes(o.freed.rssBytes)} RAM${o.freed.gpuMemBytes ? `, ${formatBytes(o.freed.gpuMemBytes)} VRAM` : ''}`
        : '';
    out += `${paint(o.result, o.result.padEnd(10))} ${o.title} (pid ${o.pid})${freed}\n`;
    for (const h of o.how) out += `             ${h}\n`;
    if (o.reason) out += `             ${o.reason}\n`;
    if (o.advice) out += `             run: ${o.advice}\n`;
  }
  return out;
}

/** The `models fit` table: model, quantization, context, need (weights + KV + graph), free, verdict. */
export function formatFit(r: FitReport, color = false): string {
  const vram = r.free.gpus.reduce((a, g) => a + g.freeBytes, 0);
  const freeCol = `${r.free.gpus.length ? `${formatBytes(vram)} VRAM + ` : ''}${formatBytes(r.free.ramAvailableBytes)} RAM`;
  const rows = [['MODEL', 'QUANT', 'CTX', 'NEED', 'WEIGHTS', 'KV', 'GRAPH', 'FREE', 'VERDICT']];
  for (const row of r.rows) {
    const e = row.estimate;
    rows.push(
      e
        ? [
            row.name,
            e.quantization,
            String(e.ctx),
            `≈ ${formatBytes(e.needBytes)}`,
            formatBytes(e.weightsBytes),
            formatBytes(e.kvBytes),
            formatBytes(e.graphBytes),
            freeCol,
            row.verdict ?? '',
          ]
        : [row.name, '–', '–', '–', '–', '–', '–', freeCol, `unreadable: ${row.error ?? ''}`],
    );
  }
  const paint = (line: string) =>
    !color ? line : line.endsWith('would spill to swap') ? `\x1b[31m${line}\x1b[39m` : line;
  let out = r.rows.length
    ? table(rows)
        .split('\n')
        .map((l, i) => (i === 0 && color ? `\x1b[1m${l}\x1b[22m` : paint(l)))
        .join('\n')
    : `no stored models found (Ollama, LM Studio, models.fit.paths); ${freeCol} free\n`;
  for (const row of r.rows)
    if (row.source === 'Ollama /api/show')
      out += `${row.name}: from Ollama /api/show (no readable blob here)\n`;
  for (const m of r.missing) out += `not found: ${m} (no store on this machine holds it)\n`;
  if (r.rows.filter((x) => x.estimate).length > 1) out += `all together: ${r.total.sentence}\n`;
  return out;
}

interface StopOpts {
  all?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
}

/**
 * The servers among the targets (`undefined`: all) that need a confirmation and did not get one: asked one by
 * one in a terminal; without one (or answered no) each is an outcome "not stopped" with the reason.
 */
async function unconfirmed(
  watch: Awaited<ReturnType<ModelsCommandDeps['loadWatch']>>,
  deps: ModelsCommandDeps,
  pids: number[] | undefined,
): Promise<StopOutcome[]> {
  if (!watch.confirmationNeeded) return [];
  const held: StopOutcome[] = [];
  for (const m of await watch.refreshModels()) {
    if (pids && !pids.includes(m.pid)) continue;
    const why = watch.confirmationNeeded(m);
    if (!why) continue;
    const q = `pid ${m.pid} (${m.cmdline}) was found by your matcher '${m.server}' but does not look like a model server: ${why}.\nStop it? [y/N] `;
    if (deps.ask && (await deps.ask(q))) continue;
    held.push({
      pid: m.pid,
      title: m.title,
      result: 'refused',
      how: [],
      reason: `not stopped: does not look like a model server (${why}); ${deps.ask ? 'you said no' : 'confirm in a terminal or pass --yes'}`,
    });
  }
  return held;
}

/** Adds `offload models` and `offload models stop` to the program. */
export function registerModelsCommand(program: Command, deps: ModelsCommandDeps): void {
  const out = () => deps.out ?? stdout();
  const err = () => deps.err ?? stderr();
  const exit = (code: number) => (deps.exit ? deps.exit(code) : (process.exitCode = code));
  // `--json` after `stop` may be taken by the parent command (commander reads parent options anywhere).
  const wantJson = (o: { json?: boolean }) =>
    Boolean(o.json || models.opts<{ json?: boolean }>().json || deps.json?.());

  const models = program
    .command('models')
    .description('list the local model servers (Ollama, llama.cpp, vLLM, …) and what they cost')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const watch = await deps.loadWatch();
      if (watch.note) err().write(`offload models: ${watch.note}\n`);
      try {
        await watch.refreshModels();
        // CPU % needs two readings of each process's CPU time.
        await new Promise((r) => setTimeout(r, 500));
        const list = await watch.refreshModels();
        out().write(wantJson(opts) ? JSON.stringify(list, null, 2) + '\n' : formatModels(list, deps.color));
        exit(0);
      } finally {
        watch.stop();
      }
    });

  registerFit(models, deps, wantJson, exit);

  models
    .command('stop')
    .description('stop local model servers: graceful unload, then the process tree; verified')
    .argument('[pids...]', 'process ids of model servers to stop')
    .option('--all', 'stop every local model server')
    .option('--dry-run', 'show what would be stopped, change nothing')
    .option('--yes', 'stop without asking, also what does not look like a model server')
    .option('--json', 'print as JSON')
    .action(async (pidArgs: string[], opts: StopOpts) => {
      const pids = pidArgs.map(Number);
      const usage = (msg: string) => {
        err().write(`offload models stop: ${msg}\n`);
        exit(2);
        throw new CommanderError(2, 'offload.usage', msg);
      };
      if (pids.some((p) => !Number.isInteger(p) || p <= 0))
        return usage(`not a process id: ${pidArgs.join(' ')}`);
      if (opts.all && pids.length) return usage('give either --all or process ids, not both');
      if (!opts.all && pids.length === 0) return usage('say which: --all or one or more process ids');
      const watch = await deps.loadWatch();
      if (watch.note) err().write(`offload models stop: ${watch.note}\n`);
      try {
        const held =
          opts.dryRun || opts.yes ? [] : await unconfirmed(watch, deps, opts.all ? undefined : pids);
        const skip = new Set(held.map((h) => h.pid));
        const rest = opts.all
          ? (await watch.refreshModels()).map((m) => m.pid).filter((p) => !skip.has(p))
          : pids.filter((p) => !skip.has(p));
        const outcomes =
          skip.size === 0
            ? await watch.stopModelServers({ all: opts.all, pids, dryRun: opts.dryRun })
            : [...held, ...(rest.length ? await watch.stopModelServers({ pids: rest }) : [])];
        out().write(
          wantJson(opts) ? JSON.stringify(outcomes, null, 2) + '\n' : formatOutcomes(outcomes, deps.color),
        );
        exit(outcomes.every((o) => o.result === 'stopped' || o.result === 'would-stop') ? 0 : 1);
      } finally {
        watch.stop();
      }
    });
}

/** `offload models fit [MODEL…] [--ctx N] [--json]`. */
function registerFit(
  models: Command,
  deps: ModelsCommandDeps,
  wantJson: (o: { json?: boolean }) => boolean,
  exit: (code: number) => void,
): void {
  models
    .command('fit')
    .description(
      'will it fit: each stored model’s memory need (from its GGUF header) against the RAM and VRAM free now',
    )
    .argument(
      '[models...]',
      'model names (llama3.1:8b) or .gguf paths; none: models.fit.models of offload.yml, else every stored model',
    )
    .option('--ctx <tokens>', 'context length to estimate for (default: models.fit.ctx, else 4096)')
    .option('--json', 'print as JSON')
    .action(async (names: string[], opts: { ctx?: string; json?: boolean }) => {
      const errOut = deps.err ?? stderr();
      const ctx = opts.ctx === undefined ? undefined : Number(opts.ctx);
      if (ctx !== undefined && (!Number.isInteger(ctx) || ctx < 1 || ctx > 16_777_216)) {
        errOut.write(`offload models fit: --ctx must be a whole number of tokens, got ${opts.ctx}\n`);
        exit(2);
        throw new CommanderError(2, 'offload.usage', 'bad --ctx');
      }
      if (!deps.fitModels) throw new Error('models fit is not available here');
      const r = await deps.fitModels({ names, ...(ctx === undefined ? {} : { ctx }) });
      (deps.out ?? stdout()).write(
        wantJson(opts) ? JSON.stringify(r, null, 2) + '\n' : formatFit(r, deps.color),
      );
      const bad = r.missing.length > 0 || r.rows.some((x) => x.error || x.verdict === 'would spill to swap');
      exit(bad ? 1 : 0);
    });
}
