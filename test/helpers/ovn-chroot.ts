// Newer OVN releases for the test bed, from Debian's own packages: trixie carries OVN 25.03 and sid
// 26.03, the host (bookworm) 23.03. Each release lives in a minimal Debian chroot built on demand (as
// root) and cached between runs. A build happens in DIR.tmp under a lock dir and is renamed into place
// only once its OVN answers with the expected version, so parallel test workers never build twice and a
// half-built chroot is never used. Daemons then run as `chroot DIR …` and the host reaches their sockets
// under DIR/tmp by path.

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type OvnRelease = '23.03' | '25.03' | '26.03';
export const RELEASES: readonly OvnRelease[] = ['23.03', '25.03', '26.03'];

/** The Debian suite that ships each chroot release (23.03 is the host's own packages). */
export const SUITES: Readonly<Record<Exclude<OvnRelease, '23.03'>, string>> = {
  '25.03': 'trixie',
  '26.03': 'sid',
};

const PACKAGES = ['ovn-central', 'ovn-common', 'openvswitch-common'];
/** Written last into a finished chroot: the OVN version it answered with. */
const READY_FILE = '.ovncp-ready';
const LOCK_STALE_MS = 30 * 60_000;

export function cacheRoot(): string {
  return process.env.OVNCP_TESTBED_CACHE ?? '/var/cache/ovncp-testbed';
}

export function chrootDir(release: Exclude<OvnRelease, '23.03'>): string {
  return join(cacheRoot(), SUITES[release]);
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The OVN version a finished chroot reported when it was built, or null when it is not finished. */
export function readyVersion(dir: string): string | null {
  try {
    return readFileSync(join(dir, READY_FILE), 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/**
 * Whether a release can run here: the host's own OVN for 23.03; for a chroot release, a finished cache,
 * or root (which can build it).
 */
export function releaseAvailable(release: OvnRelease, hostOvn: () => boolean): boolean {
  if (release === '23.03') return hostOvn();
  return readyVersion(chrootDir(release)) !== null || (isRoot() && existsSync('/usr/sbin/debootstrap'));
}

/** The Debian mirror the host's apt uses (OVNCP_TESTBED_MIRROR overrides), else deb.debian.org. */
export function debianMirror(): string {
  if (process.env.OVNCP_TESTBED_MIRROR) return process.env.OVNCP_TESTBED_MIRROR;
  const files = ['/etc/apt/sources.list'];
  try {
    for (const f of readdirSync('/etc/apt/sources.list.d'))
      if (/\.(list|sources)$/.test(f)) files.push(join('/etc/apt/sources.list.d', f));
  } catch {
    /* no dir */
  }
  for (const f of files) {
    let text = '';
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    // deb822 `URIs: …` or one-line `deb URI suite …`; the main archive, not debian-security.
    const uris = [...text.matchAll(/^\s*(?:URIs:\s*|deb\s+(?:\[[^\]]*\]\s+)?)(\S+)/gm)].map((m) => m[1]!);
    const main = uris.find((u) => /\/debian\/?$/.test(u));
    if (main) return main.replace(/\/$/, '');
  }
  return 'http://deb.debian.org/debian';
}

/** The OVN version (`ovn-northd --version`) of a chroot, e.g. "25.03.0". */
export async function ovnVersionIn(dir: string | null): Promise<string> {
  const { stdout } = dir
    ? await run('chroot', [dir, 'ovn-northd', '--version'])
    : await run('ovn-northd', ['--version']);
  const m = /ovn-northd\s+(\d+\.\d+\.\d+)/.exec(stdout);
  if (!m) throw new Error(`ovn-northd --version said: ${stdout.trim()}`);
  return m[1]!;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function lockOwnerAlive(lock: string): boolean {
  try {
    const pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** mkdir is atomic: whoever creates the lock dir builds; a lock whose owner died is taken over. */
async function withLock<T>(lock: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // The owner may not have written its pid yet: give a fresh lock a moment.
      if (!lockOwnerAlive(lock) && Date.now() - started > 2000)
        rmSync(lock, { recursive: true, force: true });
      else if (Date.now() - started > LOCK_STALE_MS)
        throw new Error(`chroot build lock ${lock} held too long`);
      else await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface BuildOptions {
  /** Rebuild a finished chroot older than this many days (default: never). */
  readonly maxAgeDays?: number;
  readonly log?: (line: string) => void;
}

function ageDays(dir: string): number {
  try {
    const built = Number(readFileSync(join(dir, `${READY_FILE}.time`), 'utf8'));
    return (Date.now() - built) / 86_400_000;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/**
 * The chroot of a release, building it first when it is missing (or older than maxAgeDays). Only root
 * can build. Returns the chroot dir; the caller reads the version with readyVersion().
 */
export async function ensureChroot(
  release: Exclude<OvnRelease, '23.03'>,
  opts: BuildOptions = {},
): Promise<string> {
  const dir = chrootDir(release);
  const fresh = () => readyVersion(dir) !== null && !(ageDays(dir) > (opts.maxAgeDays ?? Infinity));
  if (fresh()) return dir;
  if (!isRoot()) throw new Error(`OVN ${release} chroot ${dir} is missing and only root can build it`);
  mkdirSync(cacheRoot(), { recursive: true });
  return withLock(`${dir}.lock`, async () => {
    if (fresh()) return dir; // another worker built it while we waited
    await buildChroot(release, dir, opts.log ?? (() => {}));
    return dir;
  });
}

async function buildChroot(release: Exclude<OvnRelease, '23.03'>, dir: string, log: (l: string) => void) {
  const tmp = `${dir}.tmp`;
  const suite = SUITES[release];
  rmSync(tmp, { recursive: true, force: true });
  const mirror = debianMirror();
  log(`debootstrap ${suite} from ${mirror}`);
  const big = { maxBuffer: 64 << 20, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } };
  await run('debootstrap', ['--variant=minbase', suite, tmp, mirror], big);
  // sid's Release file in a registry copy may carry an expired Valid-Until.
  const apt = ['-o', 'Acquire::Check-Valid-Until=false', '-q', '-y'];
  await run('chroot', [tmp, 'apt-get', ...apt, 'update'], big);
  log(`apt-get install ${PACKAGES.join(' ')} in ${suite}`);
  await run('chroot', [tmp, 'apt-get', ...apt, 'install', '--no-install-recommends', ...PACKAGES], big);
  await run('chroot', [tmp, 'apt-get', 'clean'], big);
  const version = await ovnVersionIn(tmp);
  if (!version.startsWith(`${release}.`))
    throw new Error(`Debian ${suite} gave OVN ${version}, expected ${release}.x: update SUITES`);
  writeFileSync(join(tmp, `${READY_FILE}.time`), String(Date.now()));
  writeFileSync(join(tmp, READY_FILE), version);
  const old = `${dir}.old`;
  rmSync(old, { recursive: true, force: true });
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  rmSync(old, { recursive: true, force: true });
  log(`OVN ${version} ready in ${dir}`);
}
