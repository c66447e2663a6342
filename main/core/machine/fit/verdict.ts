/**
 * Will it fit: a model's need against what is free now (pure). VRAM first (one GPU must hold it whole, as
 * Ollama places a model that fits on one GPU), then VRAM and RAM together (layers split, the rest on the CPU),
 * else it would spill to swap.
 */
import { formatBytes } from '../../format';

/** What is free now: RAM available and each readable GPU's free memory. */
export interface FreeMemory {
  ramAvailableBytes: number;
  gpus: { index: number; name: string; freeBytes: number }[];
}

export type FitVerdict = 'fits in VRAM' | 'fits in RAM' | 'would spill to swap';

/** The verdict for `needBytes` against `free`. */
export function fitVerdict(needBytes: number, free: FreeMemory): FitVerdict {
  const vram = free.gpus.map((g) => g.freeBytes);
  if (vram.length && needBytes <= Math.max(...vram)) return 'fits in VRAM';
  if (needBytes <= free.ramAvailableBytes + vram.reduce((a, b) => a + b, 0)) return 'fits in RAM';
  return 'would spill to swap';
}

/** Whether a verdict lets a model start without asking. */
export const fits = (v: FitVerdict): boolean => v !== 'would spill to swap';

const ctxText = (ctx: number) => (ctx % 1024 === 0 ? `${ctx / 1024}k` : String(ctx));

/** "free: 18 GB VRAM + 22 GB RAM" (no VRAM part without a readable GPU). */
export function freeText(free: FreeMemory): string {
  const vram = free.gpus.reduce((a, g) => a + g.freeBytes, 0);
  return `free: ${free.gpus.length ? `${formatBytes(vram)} VRAM + ` : ''}${formatBytes(free.ramAvailableBytes)} RAM`;
}

/** "llama3.1:70b needs ≈ 43 GB at 8k context; free: 18 GB VRAM + 22 GB RAM → would spill to swap". */
export function fitSentence(name: string, needBytes: number, ctx: number, free: FreeMemory): string {
  return `${name} needs ≈ ${formatBytes(needBytes)} at ${ctxText(ctx)} context; ${freeText(free)} → ${fitVerdict(needBytes, free)}`;
}
