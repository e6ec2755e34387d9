// The kit's admin server as the unwrapper wires it: /version, and gauges read at scrape time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { packageVersion } from '@beats-gate/kit';
import { openTunnel, waitFor } from './helpers/harness.ts';
import { useFixtures } from './helpers/fixtures.ts';

describe('admin listener', () => {
  const fixtures = useFixtures();

  it('answers /version with the package version', async () => {
    const { harness } = await fixtures.tunnel();
    const answer = await fetch(`${harness.adminUrl}/version`);
    assert.equal(answer.status, 200);
    assert.deepEqual(await answer.json(), {
      service: 'beats-gate-unwrapper',
      version: packageVersion(new URL('../package.json', import.meta.url)),
    });
  });

  it('reads tunnels_active and draining when scraped', async () => {
    const { harness } = await fixtures.tunnel();
    const ws = await openTunnel(harness.url, { subject: 'device-1' });
    assert.equal(await harness.metric('beats_gate_unwrapper_tunnels_active'), 1);
    assert.equal(await harness.metric('beats_gate_unwrapper_draining'), 0);
    const closed = new Promise((resolve) => ws.once('close', resolve));
    const drained = harness.unwrapper.drain(0);
    await waitFor(
      async () => (await harness.metric('beats_gate_unwrapper_draining')) === 1,
      'draining',
    );
    await closed;
    await drained;
    assert.equal(await harness.metric('beats_gate_unwrapper_tunnels_active'), 0);
  });
});
