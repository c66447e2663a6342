export function initConfig(dir: string): { text: string; findings: string[] } {
  return { text: dir, findings: [] };
}
