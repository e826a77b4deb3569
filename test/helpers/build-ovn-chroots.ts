// `tsx test/helpers/build-ovn-chroots.ts [RELEASE…]`: builds (or refreshes) the OVN 25.03 and 26.03
// chroots before vitest starts, so no test timeout pays for debootstrap. scripts/test.sh runs it as
// root; a chroot older than OVNCP_TESTBED_MAX_AGE_DAYS (default 7) is rebuilt from Debian's packages.

import { ensureChroot, type OvnRelease, readyVersion, SUITES } from './ovn-chroot.ts';

type ChrootRelease = Exclude<OvnRelease, '23.03'>;
const wanted = (process.argv.length > 2 ? process.argv.slice(2) : Object.keys(SUITES)) as ChrootRelease[];
const maxAgeDays = Number(process.env.OVNCP_TESTBED_MAX_AGE_DAYS ?? 7);

for (const release of wanted) {
  if (!(release in SUITES)) {
    console.error(`build-ovn-chroots: unknown release ${release} (known: ${Object.keys(SUITES).join(', ')})`);
    process.exit(2);
  }
  const t0 = Date.now();
  const dir = await ensureChroot(release, { maxAgeDays, log: (l) => console.log(`test: ${release}: ${l}`) });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(`test: OVN ${readyVersion(dir)} chroot (${SUITES[release]}) ready in ${secs} s: ${dir}`);
}
