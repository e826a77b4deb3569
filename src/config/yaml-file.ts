// Reads a YAML (or JSON) file and validates it with a zod schema, reporting each problem as
// `file:line: message` so operators can find it. Shared by the config, paths and snapshot loaders.

import { readFileSync } from 'node:fs';
import { type Document, isCollection, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { OvncpError } from '../errors.ts';

export interface LocatedIssue {
  readonly line: number;
  readonly message: string;
}

/** A parsed YAML document that can turn a data path into a 1-based line number. */
export class YamlSource {
  readonly file: string;
  readonly doc: Document.Parsed;
  private readonly lines: LineCounter;

  constructor(file: string, text: string) {
    this.file = file;
    this.lines = new LineCounter();
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
  }

  /** The line of the deepest node that exists along `path` (1 when nothing matches). */
  lineOf(path: readonly PropertyKey[]): number {
    for (let n = path.length; n >= 0; n--) {
      const node = this.doc.getIn(path.slice(0, n) as unknown[], true) as
        | { range?: [number, number, number] }
        | undefined;
      if (node && typeof node === 'object' && node.range) return this.lines.linePos(node.range[0]).line;
      // A key whose value is null/scalar-less: look the key up in the parent map.
      if (n > 0) {
        const parent = this.doc.getIn(path.slice(0, n - 1) as unknown[], true);
        if (isCollection(parent)) {
          for (const item of parent.items as {
            key?: { value?: unknown; range?: [number, number, number] };
          }[]) {
            if (item.key && item.key.value === path[n - 1] && item.key.range)
              return this.lines.linePos(item.key.range[0]).line;
          }
        }
      }
    }
    return 1;
  }

  format(line: number, message: string): string {
    return `${this.file}:${line}: ${message}`;
  }

  syntaxErrors(): LocatedIssue[] {
    return this.doc.errors.map((e) => ({
      line: this.lines.linePos(e.pos[0]).line,
      message: e.message.split('\n')[0] ?? e.message,
    }));
  }
}

function zodIssueMessage(issue: z.core.$ZodIssue): string {
  const where = issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
  if (issue.code === 'unrecognized_keys')
    return `${where}unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return `${where}${issue.message}`;
}

/** Outcome of loading: either the value, or every problem found with its line. */
export type Loaded<T> = { ok: true; value: T; source: YamlSource } | { ok: false; errors: string[] };

export function parseYamlText<S extends z.ZodType>(
  file: string,
  text: string,
  schema: S,
): Loaded<z.infer<S>> {
  const src = new YamlSource(file, text);
  const syntax = src.syntaxErrors();
  if (syntax.length > 0) return { ok: false, errors: syntax.map((e) => src.format(e.line, e.message)) };
  const parsed = schema.safeParse(src.doc.toJS() ?? {});
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((i) => {
        // Point at the first unknown key itself, not at the map holding it.
        const path = i.code === 'unrecognized_keys' ? [...i.path, i.keys[0]!] : i.path;
        return src.format(src.lineOf(path), zodIssueMessage(i));
      }),
    };
  }
  return { ok: true, value: parsed.data, source: src };
}

export function readYamlFile<S extends z.ZodType>(file: string, schema: S): Loaded<z.infer<S>> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return {
      ok: false,
      errors: [`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`],
    };
  }
  return parseYamlText(file, text, schema);
}

/** Throws one OvncpError whose message lists every located problem, first one first. */
export function unwrapLoaded<T>(
  loaded: Loaded<T>,
  code: 'OVNCP_ERR_CONFIG' | 'OVNCP_ERR_TOPOLOGY',
): { value: T; source: YamlSource } {
  if (!loaded.ok) throw new OvncpError(code, loaded.errors.join('\n'));
  return { value: loaded.value, source: loaded.source };
}
