// Reads a YAML (or JSON) file and validates it with a zod schema, reporting each problem as
// `file:line: message` so operators can find it. Shared by the config, paths and snapshot loaders.
// Every file has a size limit, checked before a byte is read: parsing YAML costs ~60× the file's size
// in memory, so an oversized file would otherwise take the whole process down.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
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

const MIB = 1024 * 1024;

/** The size limit of each kind of file, in bytes (config `limits:`; the config file's own is fixed). */
export interface FileLimits {
  readonly pathsFileBytes: number;
  readonly topologyFileBytes: number;
  readonly tokensFileBytes: number;
  /** Heap limit of the worker thread that parses a reloaded paths or snapshot file. */
  readonly parseMemoryBytes: number;
}

/**
 * Defaults with room for legitimate big files: a 200k-check paths file (the max_checks ceiling) is
 * ~40 MB, the XL benchmark network (50k ports, 30k ACLs) 17 MB as YAML and 23 MB as indented JSON.
 */
export const DEFAULT_FILE_LIMITS: FileLimits = {
  pathsFileBytes: 64 * MIB,
  topologyFileBytes: 64 * MIB,
  tokensFileBytes: 1 * MIB,
  // Parsing costs up to ~60× the file's size: a file at the 64 MiB limit needs about this much.
  parseMemoryBytes: 4096 * MIB,
};

/** The config file is read before any setting is known, so its limit is not a setting. */
export const CONFIG_FILE_MAX_BYTES = 1 * MIB;

/** `64MiB`, `10MB`, `512KiB`, `1GiB` or a bare number of bytes. */
export function parseByteSize(text: string | number): number | null {
  if (typeof text === 'number') return Number.isInteger(text) && text > 0 ? text : null;
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB)?$/.exec(text.trim());
  if (!m) return null;
  const unit: Record<string, number> = {
    B: 1,
    KB: 1e3,
    KiB: 1024,
    MB: 1e6,
    MiB: MIB,
    GB: 1e9,
    GiB: 1024 * MIB,
  };
  const n = Math.floor(Number(m[1]) * unit[m[2] ?? 'B']!);
  return n > 0 ? n : null;
}

export type TextRead = { ok: true; text: string } | { ok: false; error: string };

/**
 * Reads a file of at most `maxBytes` bytes. The size is checked on the open descriptor before reading,
 * and the read stops one byte past the limit, so a file that grows in between is refused too.
 */
export function readBoundedText(file: string, maxBytes: number, setting: string): TextRead {
  const tooBig = (size: string) =>
    `${file}: ${size} bytes, over the limit of ${maxBytes} bytes (${setting}); not read`;
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    return {
      ok: false,
      error: `${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    };
  }
  try {
    const size = fstatSync(fd).size;
    if (size > maxBytes) return { ok: false, error: tooBig(String(size)) };
    const buf = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(size, 64 * 1024)));
    let n = 0;
    for (;;) {
      if (n === buf.length) break;
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
    if (n > maxBytes) return { ok: false, error: tooBig(`more than ${maxBytes}`) };
    return { ok: true, text: buf.toString('utf8', 0, n) };
  } catch (err) {
    return {
      ok: false,
      error: `${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    };
  } finally {
    closeSync(fd);
  }
}

/** A size limit and the setting that changes it (named in the refusal). */
export interface ByteLimit {
  readonly maxBytes: number;
  readonly setting: string;
}

/** For callers without settings (tests, tools): the largest of the default limits. */
const ANY_FILE_LIMIT: ByteLimit = { maxBytes: 64 * MIB, setting: 'default limit' };

/** Reads (at most `limit.maxBytes`, else refused unread) and validates a YAML file. */
export function readYamlFile<S extends z.ZodType>(
  file: string,
  schema: S,
  limit: ByteLimit = ANY_FILE_LIMIT,
): Loaded<z.infer<S>> {
  const read = readBoundedText(file, limit.maxBytes, limit.setting);
  if (!read.ok) return { ok: false, errors: [read.error] };
  return parseYamlText(file, read.text, schema);
}

/** Throws one OvncpError whose message lists every located problem, first one first. */
export function unwrapLoaded<T>(
  loaded: Loaded<T>,
  code: 'OVNCP_ERR_CONFIG' | 'OVNCP_ERR_TOPOLOGY',
): { value: T; source: YamlSource } {
  if (!loaded.ok) throw new OvncpError(code, loaded.errors.join('\n'));
  return { value: loaded.value, source: loaded.source };
}
