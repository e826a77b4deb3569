// The import rule between the folders of src/, read from the source itself (TypeScript's own import
// scanner, type-only imports included): no folder imports one above it in the layer order, and no two
// folders import each other. The one known exception, ovsdb <-> ovn/topology, goes with the planned
// move of the NB sources into their own folder.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

/** Layer of each folder, bottom first: a folder may import its own layer or any below it. */
const LAYERS: readonly (readonly string[])[] = [
  ['.', 'ovn/net', 'config', 'metrics'],
  ['ovn/expr'],
  ['ovn/topology', 'ovsdb'],
  ['engine'],
  ['analysis'],
  ['monitor', 'auth'],
  ['api', 'client'],
  ['runtime'],
  ['cli'],
];
const KNOWN_CYCLES = new Set(['ovn/topology <-> ovsdb']);

/** The folder a file counts in: ovn/* by its second level, everything else by its first. */
function folderOf(file: string): string {
  const parts = relative(SRC, dirname(file)).split('/').filter(Boolean);
  if (parts.length === 0) return '.';
  return parts[0] === 'ovn' ? parts.slice(0, 2).join('/') : parts[0]!;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** Folder -> folder edges, each with one file import that makes it. */
function folderEdges(): Map<string, string> {
  const edges = new Map<string, string>();
  for (const file of filesUnder(SRC)) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const imp of info.importedFiles) {
      if (!imp.fileName.startsWith('.')) continue;
      const target = resolve(dirname(file), imp.fileName);
      const [from, to] = [folderOf(file), folderOf(target)];
      if (from !== to) edges.set(`${from} -> ${to}`, `${relative(SRC, file)} imports ${imp.fileName}`);
    }
  }
  return edges;
}

function layerOf(folder: string): number {
  const i = LAYERS.findIndex((l) => l.includes(folder));
  if (i < 0) throw new Error(`folder src/${folder} has no layer: add it to LAYERS`);
  return i;
}

describe('imports between the folders of src/', () => {
  const edges = folderEdges();

  it('finds the imports it judges', () => {
    expect(edges.get('runtime -> engine')).toBeDefined();
    expect(edges.size).toBeGreaterThan(20);
  });

  it('never run up the layers', () => {
    const upward = [...edges]
      .filter(([e]) => {
        const [from, to] = e.split(' -> ') as [string, string];
        return layerOf(from) < layerOf(to);
      })
      .map(([e, why]) => `${e} (${why})`);
    expect(upward).toEqual([]);
  });

  it('form no cycle between two folders', () => {
    const cycles = [...edges.keys()]
      .map((e) => e.split(' -> ') as [string, string])
      .filter(([from, to]) => from < to && edges.has(`${to} -> ${from}`))
      .map(([a, b]) => `${a} <-> ${b}`)
      .filter((c) => !KNOWN_CYCLES.has(c));
    expect(cycles).toEqual([]);
  });
});
