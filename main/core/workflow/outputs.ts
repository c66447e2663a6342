/**
 * Step outputs, GitHub Actions' convention: the step writes `key=value` lines, or `key<<DELIM` … `DELIM` for
 * multi-line values, to the file named in $OFFLOAD_OUTPUT; the engine reads it after the step.
 */

/** Parses an output file's text. Throws with a clear message on a heredoc without its delimiter. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!line.trim()) continue;
    const eq = line.indexOf('=');
    const hd = line.indexOf('<<');
    if (hd > 0 && (eq < 0 || hd < eq)) {
      const key = line.slice(0, hd).trim();
      const delim = line.slice(hd + 2).trim();
      if (!delim) throw new Error(`$OFFLOAD_OUTPUT line ${i + 1}: '${line}' has no delimiter after <<`);
      const value: string[] = [];
      let closed = false;
      for (i++; i < lines.length; i++) {
        if (lines[i] === delim) {
          closed = true;
          break;
        }
        value.push(lines[i] as string);
      }
      if (!closed) throw new Error(`$OFFLOAD_OUTPUT: output '${key}' has no closing '${delim}' line`);
      out[key] = value.join('\n');
      continue;
    }
    if (eq <= 0)
      throw new Error(`$OFFLOAD_OUTPUT line ${i + 1}: expected key=value or key<<DELIMITER, got '${line}'`);
    out[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return out;
}
