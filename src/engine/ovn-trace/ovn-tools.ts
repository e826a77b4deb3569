// Where the engine runs ovn-trace: the host's own (the default, and all the product itself uses), or the one
// inside a chroot holding another OVN release (the test beds run 25.03 and 26.03 that way, since each
// release's ovn-trace knows its own actions and stages). Inside a chroot every path the tool is given
// is the chroot-relative one, so remotes and temp dirs are translated here and nowhere else.

import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OvnTools {
  /** A chroot dir whose ovn-trace to run (`chroot DIR ovn-trace …`); absent: the host's. */
  readonly chroot?: string;
  /** The ovn-trace binary name or path (as seen inside the chroot, if any). */
  readonly binary?: string;
}

/** The file and argv that run ovn-trace with `args`. */
export function ovnTraceArgv(tools: OvnTools, args: readonly string[]): [string, string[]] {
  const bin = tools.binary ?? 'ovn-trace';
  return tools.chroot ? ['chroot', [tools.chroot, bin, ...args]] : [bin, [...args]];
}

/** A host path as the tool sees it (unchanged without a chroot, or outside it). */
export function innerPath(tools: OvnTools, hostPath: string): string {
  const root = tools.chroot?.replace(/\/+$/, '');
  return root && hostPath.startsWith(`${root}/`) ? hostPath.slice(root.length) : hostPath;
}

/** An OVSDB remote as the tool sees it: `unix:`/`punix:` paths translated, tcp/ssl as given. */
export function innerRemote(tools: OvnTools, remote: string): string {
  if (!tools.chroot) return remote;
  return remote
    .split(',')
    .map((r) => r.replace(/^(p?unix:)(.*)$/, (_, scheme: string, p: string) => scheme + innerPath(tools, p)))
    .join(',');
}

/** Where temp dirs for the tool go: under the chroot's /tmp, so the tool can reach them. */
export function toolTempRoot(tools: OvnTools): string {
  return tools.chroot ? join(tools.chroot, 'tmp') : tmpdir();
}
