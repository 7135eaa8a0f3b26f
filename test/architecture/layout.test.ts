/**
 * The house rules a reviewer checks by reading: no file in src/ too long to live in, no import
 * cycle between files or between folders, no double cast that silences the type checker.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');
const MAX_LINES = 400;
/** Data tables, not code: exempt from the line limit. */
const DATA_TABLES = new Set(['src/core/municipalities.ts']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|tsx|mts)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const files = sourceFiles(SRC);

const rel = (p: string) => relative(ROOT, p).replaceAll('\\', '/');

/** The files a file imports (values and types alike), resolved within src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const spec = m[1] as string;
    const base = resolve(dirname(file), spec);
    const found = [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')].find((c) => files.includes(c));
    if (found) out.push(found);
    else if (/\.(mjs|js|json)$/.test(spec)) continue;
    else throw new Error(`${rel(file)} imports ${spec}, which is not a file in src/`);
  }
  for (const m of text.matchAll(/import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)) {
    const base = resolve(dirname(file), m[1] as string);
    const found = [base, `${base}.ts`, `${base}.tsx`].find((c) => files.includes(c));
    if (found) out.push(found);
  }
  return out;
}

/** Every cycle found by depth-first search, each as the path that closes it. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string) => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === 'open') found.push([...stack.slice(stack.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n);
  return found;
}

describe('the layout of src/', () => {
  it(`has no file over ${MAX_LINES} lines except data tables`, () => {
    const long = files
      .map((f) => ({ file: rel(f), lines: readFileSync(f, 'utf8').split('\n').length - 1 }))
      .filter((f) => f.lines > MAX_LINES && !DATA_TABLES.has(f.file));
    expect(long).toEqual([]);
  });

  it('has no import cycle between files', () => {
    const graph = new Map(files.map((f) => [rel(f), new Set(importsOf(f).map(rel))]));
    expect(cycles(graph).map((c) => c.join(' → '))).toEqual([]);
  });

  it('has no import cycle between folders', () => {
    // A folder is one of src/'s own (http/routes is part of http).
    const folder = (f: string) => rel(dirname(f)).split('/').slice(0, 2).join('/');
    const graph = new Map<string, Set<string>>();
    for (const f of files) {
      const from = folder(f);
      const to = graph.get(from) ?? new Set<string>();
      graph.set(from, to);
      for (const g of importsOf(f)) if (folder(g) !== from) to.add(folder(g));
    }
    expect(cycles(graph).map((c) => c.join(' → '))).toEqual([]);
  });

  it('has no double cast through unknown', () => {
    const casts = files.filter((f) => /\bas unknown as\b/.test(readFileSync(f, 'utf8'))).map(rel);
    expect(casts).toEqual([]);
  });

  it('keeps core/ pure: it imports nothing outside core/ and no node:* module', () => {
    const outside = files
      .filter((f) => rel(f).startsWith('src/core/'))
      .flatMap((f) => [
        ...importsOf(f)
          .filter((g) => !rel(g).startsWith('src/core/'))
          .map((g) => `${rel(f)} → ${rel(g)}`),
        ...[...readFileSync(f, 'utf8').matchAll(/from\s+['"](node:[^'"]+)['"]/g)].map(
          (m) => `${rel(f)} → ${m[1]}`,
        ),
      ]);
    expect(outside).toEqual([]);
  });

  it('knows it runs on Node only in runtime/, cli/ and the Node-only adapters', () => {
    // What Workers' nodejs_compat provides; files, threads, processes and sockets are Node's.
    const WORKERS_HAS = new Set(['node:crypto', 'node:zlib', 'node:stream', 'node:events', 'node:buffer']);
    const NODE_ONLY = new Set([
      // Objects as files: the embedded deployment's object store.
      'src/stores/fs-object-store.ts',
      // The archival version's context documentation is drawn with a font file; Workers leave
      // archival profiles to the Node deployment.
      'src/pipeline/context-docs.ts',
    ]);
    const nodeOnly = files
      .filter((f) => !/^src\/(runtime|cli)\//.test(rel(f)) && !NODE_ONLY.has(rel(f)))
      .flatMap((f) =>
        [...readFileSync(f, 'utf8').matchAll(/from\s+['"](node:[^'"]+)['"]/g)]
          .map((m) => m[1] as string)
          .filter((m) => !WORKERS_HAS.has(m))
          .map((m) => `${rel(f)} → ${m}`),
      );
    expect(nodeOnly).toEqual([]);
  });

  it('reads the time only through the one Clock (core/clock.ts), outside the CLI', () => {
    const readers = files
      .filter((f) => rel(f) !== 'src/core/clock.ts' && !rel(f).startsWith('src/cli/'))
      .filter((f) => /new Date\(\)|Date\.now\(\)/.test(readFileSync(f, 'utf8')))
      .map(rel);
    expect(readers).toEqual([]);
  });
});
