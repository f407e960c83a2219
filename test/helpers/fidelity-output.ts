export type FidelityOutput = { sections: Map<string, string[]>; traces: Map<string, string> };

/**
 * A fidelity app's stdout: `# name` starts a section; lines starting with `~ ` are traces (where plain and
 * deferred runs may differ: when a package was evaluated); every other line must be identical.
 */
export function parseFidelityOutput(stdout: string): FidelityOutput {
  const sections = new Map<string, string[]>([['(top)', []]]);
  const traces = new Map<string, string>();
  let current = sections.get('(top)')!;
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# ')) {
      current = [];
      sections.set(line.slice(2), current);
    } else if (line.startsWith('~ ')) {
      const at = line.indexOf(': ');
      traces.set(line.slice(2, at), line.slice(at + 2));
    } else current.push(line);
  }
  return { sections, traces };
}
