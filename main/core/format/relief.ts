/** What offloading freed, as the CLI, the notices and the window say it. */
import type { FreeAfter, ReliefSummary } from '../vocabulary';
import { formatBytes } from './index';

/** "free after: 22 GiB RAM, 18 GiB VRAM". */
export function freeAfterText(f: FreeAfter): string {
  return `free after: ${formatBytes(f.ramAvailableBytes)} RAM${f.vramFreeBytes !== undefined ? `, ${formatBytes(f.vramFreeBytes)} VRAM` : ''}`;
}

/** "09:12" in the local time zone. */
const clock = (iso: string) =>
  new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false });

/**
 * The relief as lines: "Freed 9.2 GiB RAM and 6.0 GiB VRAM: Ollama stopped at 09:12 (free after: …)", then
 * today's and this week's model time served by AWS; no lines when nothing was ever stopped.
 */
export function reliefLines(r: ReliefSummary | null | undefined): string[] {
  if (!r) return [];
  const lines: string[] = [];
  if (r.last)
    lines.push(
      `${r.last.text} at ${clock(r.last.at)}${r.last.freeAfter ? ` (${freeAfterText(r.last.freeAfter)})` : ''}`,
    );
  if (r.week.servedMs) lines.push(`today: ${r.today.text}`, `this week: ${r.week.text}`);
  return lines;
}
