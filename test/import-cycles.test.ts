// No import cycles anywhere: every file tsconfig.json compiles, its relative imports resolved by
// the TypeScript compiler (`import type` included: a type-only cycle still ties two modules into
// one). Lint checks the direction between folders (eslint.config.mjs, LAYERS); this checks
// within them too.
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(__dirname, '..');

/** Each source file and the repository files it imports. */
function importGraph(): Map<string, string[]> {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!config) throw new Error('tsconfig.json could not be read');
  const graph = new Map<string, string[]>();
  for (const file of config.fileNames) {
    const { importedFiles } = ts.preProcessFile(ts.sys.readFile(file) ?? '', true, true);
    const targets = importedFiles
      .filter((i) => i.fileName.startsWith('.'))
      .map((i) => ts.resolveModuleName(i.fileName, file, config.options, ts.sys).resolvedModule)
      .filter((m): m is ts.ResolvedModuleFull => m !== undefined && !m.isExternalLibraryImport)
      .map((m) => path.relative(root, m.resolvedFileName));
    graph.set(path.relative(root, file), targets);
  }
  return graph;
}

/** The groups of modules that import each other (Tarjan's strongly connected components of two or more, or a self-import). */
function importCycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1 || graph.get(v)!.includes(v)) cycles.push(group.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

describe('imports', () => {
  it('finds a cycle through several modules, and none in a chain', () => {
    const cyclic = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']]]);
    expect(importCycles(cyclic)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
    expect(importCycles(new Map([['a.ts', ['b.ts']], ['b.ts', []]]))).toEqual([]);
  });

  it('form no cycle anywhere in the repository', () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(200);
    expect(graph.get('api/app.ts')).toContain('api/auth.ts');
    expect(importCycles(graph)).toEqual([]);
  });
});
