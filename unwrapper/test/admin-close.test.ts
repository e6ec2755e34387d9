// The admin API's one action: close a revoked device's tunnels now (the edge's deny list only
// stops its next connection). Off without a token; the token is required; 1008 to the device.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closed, openTunnel, waitFor, type Harness } from './helpers/harness.ts';
import { useFixtures } from './helpers/fixtures.ts';

const TOKEN = 'a'.repeat(16) + 'b'.repeat(16) + '-admin';

async function post(harness: Harness, query: string, token?: string) {
  const response = await fetch(`${harness.adminUrl}/tunnels/close${query}`, {
    method: 'POST',
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe('admin API: POST /tunnels/close', () => {
  const fixtures = useFixtures();
  async function setup(adminToken?: string) {
    const { harness } = await fixtures.tunnel(adminToken !== undefined ? { adminToken } : {});
    return harness;
  }

  it('closes every tunnel of the subject with 1008, and only those, and logs it', async () => {
    const harness = await setup(TOKEN);
    const revoked = [
      await openTunnel(harness.url, { subject: 'device-7' }),
      await openTunnel(harness.url, { subject: 'device-7' }),
    ];
    const other = await openTunnel(harness.url, { subject: 'device-8' });
    const closes = revoked.map((ws) => closed(ws));
    const answer = await post(harness, '?subject=device-7', TOKEN);
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { subject: 'device-7', closed: 2 });
    for (const close of await Promise.all(closes)) {
      assert.equal(close.code, 1008);
      assert.equal(close.reason, 'closed by the operator');
    }
    const line = harness.logs.find((l) => l.event === 'tunnels_closed_by_admin');
    assert.equal(line?.subject, 'device-7');
    assert.equal(line?.tunnels, 2);
    await waitFor(() => harness.unwrapper.tunnels.length === 1, 'one tunnel left');
    assert.equal(harness.unwrapper.tunnels[0]?.identity.subject, 'device-8');
    assert.equal(other.readyState, other.OPEN);

    // One tunnel by its connection id (from tunnel_opened); an unknown one closes nothing.
    const connectionId = harness.unwrapper.tunnels[0].identity.connectionId;
    const otherClosed = closed(other);
    assert.deepEqual((await post(harness, `?connectionId=${connectionId}`, TOKEN)).body, {
      connectionId,
      closed: 1,
    });
    assert.equal((await otherClosed).code, 1008);
    assert.deepEqual((await post(harness, '?subject=nobody', TOKEN)).body, {
      subject: 'nobody',
      closed: 0,
    });
  });

  it('refuses without the token (401), with a wrong one (401), and bad selectors (400)', async () => {
    const harness = await setup(TOKEN);
    const ws = await openTunnel(harness.url, { subject: 'device-7' });
    const missing = await post(harness, '?subject=device-7');
    assert.equal(missing.status, 401);
    assert.equal(missing.body.error, 'ERR_ADMIN_UNAUTHORIZED');
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer');
    const wrong = await post(harness, '?subject=device-7', `${TOKEN}x`);
    assert.equal(wrong.status, 401);
    for (const query of ['', '?subject=', '?subject=a&connectionId=b']) {
      const bad = await post(harness, query, TOKEN);
      assert.equal(bad.status, 400, query);
      assert.equal(bad.body.error, 'ERR_ADMIN_BAD_REQUEST');
      assert.match(String(bad.body.message), /exactly one of \?subject= or \?connectionId=/);
    }
    const get = await fetch(`${harness.adminUrl}/tunnels/close?subject=device-7`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    assert.equal(harness.unwrapper.tunnels.length, 1, 'nothing was closed');
    assert.equal(ws.readyState, ws.OPEN);
    ws.close();
  });

  it('is off without a token: 403 naming the setting, and the read endpoints stay open', async () => {
    const harness = await setup();
    const answer = await post(harness, '?subject=device-7', TOKEN);
    assert.equal(answer.status, 403);
    assert.equal(answer.body.error, 'ERR_ADMIN_DISABLED');
    assert.match(String(answer.body.message), /BEATS_GATE_UNWRAPPER_ADMIN_TOKEN_FILE/);
    assert.equal((await fetch(`${harness.adminUrl}/healthz`)).status, 200);
  });
});
