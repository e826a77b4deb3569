// Which OVN release wrote a topology, from what its databases say: the NB and SB schema versions of each
// feature release, and the release that added each version-dependent column (DESIGN.md §3a). Figures
// read from each release tag's ovn-nb.ovsschema / ovn-sb.ovsschema in OVN's history (v22.03.0..v26.03.0).
// How a release behaves (stage names, features) is src/engine/ovn-version.ts, keyed by the same release.

import { OVN_RELEASES, type OvnColumns, type OvnInfo, type OvnRelease } from './types.ts';

/** NB and SB schema versions of each feature release's first tag. */
export const RELEASE_SCHEMAS: Readonly<Record<OvnRelease, { readonly nb: string; readonly sb: string }>> = {
  '22.03': { nb: '6.1.0', sb: '20.21.0' },
  '22.06': { nb: '6.3.0', sb: '20.23.0' },
  '22.09': { nb: '6.3.0', sb: '20.25.0' },
  // 22.12 and 23.03 have identical schemas: a 7.0.0 NB is taken as 23.03, the release verified here.
  '22.12': { nb: '7.0.0', sb: '20.27.0' },
  '23.03': { nb: '7.0.0', sb: '20.27.0' },
  '23.06': { nb: '7.0.4', sb: '20.27.2' },
  '23.09': { nb: '7.1.0', sb: '20.27.4' },
  '24.03': { nb: '7.3.0', sb: '20.33.0' },
  '24.09': { nb: '7.6.0', sb: '20.37.0' },
  '25.03': { nb: '7.11.0', sb: '20.41.0' },
  '25.09': { nb: '7.12.0', sb: '21.5.0' },
  '26.03': { nb: '7.18.0', sb: '21.8.0' },
};

/** The release whose NB schema first has each version-dependent column or table. */
export const COLUMN_SINCE: Readonly<Record<keyof OvnColumns, OvnRelease>> = {
  aclTier: '23.06',
  aclSampleNew: '24.09',
  policyChain: '25.03',
  networkFunction: '26.03',
};

/** Where each column lives in the NB schema (a table alone: the table's presence). */
const COLUMN_PLACE: Readonly<Record<keyof OvnColumns, readonly [table: string, column?: string]>> = {
  aclTier: ['ACL', 'tier'],
  aclSampleNew: ['ACL', 'sample_new'],
  policyChain: ['Logical_Router_Policy', 'chain'],
  networkFunction: ['Network_Function'],
};

/** -1, 0 or 1 as dotted version a is older, equal or newer than b (missing parts count as 0). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** Release order: negative when a is older than b. */
export function compareReleases(a: OvnRelease, b: OvnRelease): number {
  return OVN_RELEASES.indexOf(a) - OVN_RELEASES.indexOf(b);
}

/**
 * The release an NB schema version (and the SB's, when known) points at. Several releases with that
 * exact schema: the SB's tells them apart when it can, else the newest. A version between two known
 * ones is reported as `>=` the older (a later point release may bump the schema); older than all known
 * as `<=22.03`.
 */
export function releaseOfSchema(nb: string, sb: string | null): { release: OvnRelease; range: string } {
  const same = OVN_RELEASES.filter((r) => compareVersions(RELEASE_SCHEMAS[r].nb, nb) === 0);
  if (same.length > 0) {
    const bySb = sb === null ? [] : same.filter((r) => compareVersions(RELEASE_SCHEMAS[r].sb, sb) === 0);
    const release = (bySb.length > 0 ? bySb : same).at(-1)!;
    return { release, range: release };
  }
  const older = OVN_RELEASES.filter((r) => compareVersions(RELEASE_SCHEMAS[r].nb, nb) < 0);
  const release = older.at(-1);
  return release
    ? { release, range: `>=${release}` }
    : { release: OVN_RELEASES[0], range: `<=${OVN_RELEASES[0]}` };
}

/**
 * The release an SB schema version points at, for engines that only see the SB (the lflow engine): the
 * newest release whose first SB schema is not newer than it; null when the version is unknown ('').
 */
export function releaseOfSbSchema(sb: string): OvnRelease | null {
  if (!/^\d+(\.\d+)*$/.test(sb)) return null;
  const older = OVN_RELEASES.filter((r) => compareVersions(RELEASE_SCHEMAS[r].sb, sb) <= 0);
  return older.at(-1) ?? OVN_RELEASES[0];
}

/** The columns a release's NB schema has (for a topology that names its release but has no schema). */
export function columnsOfRelease(release: OvnRelease): OvnColumns {
  const has = (k: keyof OvnColumns) => compareReleases(release, COLUMN_SINCE[k]) >= 0;
  return {
    aclTier: has('aclTier'),
    aclSampleNew: has('aclSampleNew'),
    policyChain: has('policyChain'),
    networkFunction: has('networkFunction'),
  };
}

/** The parts of a database schema read here (structurally an ovsdb DbSchema). */
export interface SchemaShape {
  readonly version: string;
  readonly tables: ReadonlyMap<string, ReadonlyMap<string, unknown>>;
}

/** Column presence from the schema itself: the client monitors only what the model reads. */
export function columnsOfSchema(schema: SchemaShape): OvnColumns {
  const has = (k: keyof OvnColumns) => {
    const [table, column] = COLUMN_PLACE[k];
    const cols = schema.tables.get(table);
    return cols !== undefined && (column === undefined || cols.has(column));
  };
  return {
    aclTier: has('aclTier'),
    aclSampleNew: has('aclSampleNew'),
    policyChain: has('policyChain'),
    networkFunction: has('networkFunction'),
  };
}

/** OvnInfo of a live NB, from its schema (and the SB's schema version when known). */
export function ovnInfoFromSchema(nb: SchemaShape, sbSchema: string | null): OvnInfo {
  const { release, range } = releaseOfSchema(nb.version, sbSchema);
  return {
    nbSchema: nb.version,
    sbSchema,
    columns: columnsOfSchema(nb),
    release,
    releaseRange: range,
    source: 'nb-schema',
  };
}

/** The release the model was verified on, assumed when nothing says otherwise. */
export const DEFAULT_RELEASE: OvnRelease = '23.03';

const fromRelease = new Map<string, OvnInfo>();

/** The OvnInfo of a release known only by name (no schema seen), one object per key. */
function namedRelease(key: string, release: OvnRelease, source: OvnInfo['source']): OvnInfo {
  let info = fromRelease.get(key);
  if (!info) {
    info = {
      nbSchema: null,
      sbSchema: null,
      columns: columnsOfRelease(release),
      release,
      releaseRange: release,
      source,
    };
    fromRelease.set(key, info);
  }
  return info;
}

/**
 * OvnInfo of a topology that only names its release (a snapshot's `ovn_version`), or of one that says
 * nothing (the default). Same arguments, same object, so topologies of one file compare equal.
 */
export function ovnInfoOfRelease(release: OvnRelease | undefined): OvnInfo {
  return namedRelease(release ?? '', release ?? DEFAULT_RELEASE, release ? 'snapshot' : 'default');
}

/**
 * OvnInfo of a release given by the operator (--ovn.version), or null when `release` is not a release
 * the version table knows. Same release, same object.
 */
export function ovnInfoOverride(release: string): OvnInfo | null {
  if (!(OVN_RELEASES as readonly string[]).includes(release)) return null;
  return namedRelease(`override:${release}`, release as OvnRelease, 'override');
}
