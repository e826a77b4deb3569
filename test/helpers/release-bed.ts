// One real OVN test bed of a release per describe block: started before its tests, stopped after, the
// block skipped where the release cannot run here (skipWithoutRelease: a failure under CI=true instead).
// The tests reach the bed through the getter, once beforeAll has started it.

import { afterAll, beforeAll, describe } from 'vitest';
import { type OvnRelease, type OvnTestbed, skipWithoutRelease, startOvn } from './ovn-testbed.ts';

export function describeBed(release: OvnRelease, title: string, body: (bed: () => OvnTestbed) => void): void {
  describe.skipIf(skipWithoutRelease(release))(title, () => {
    let tb: OvnTestbed | undefined;
    beforeAll(async () => {
      tb = await startOvn({ release });
    }, 120_000);
    afterAll(async () => {
      await tb?.stop();
    });
    body(() => {
      if (!tb) throw new Error(`the OVN ${release} test bed did not start`);
      return tb;
    });
  });
}
