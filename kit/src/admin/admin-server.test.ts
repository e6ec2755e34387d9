import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { createLogCapture } from '../log/log-capture.ts';
import { createMetrics } from '../metrics/create-metrics.ts';
import { createAdminServer, type AdminServerOptions } from './admin-server.ts';

const servers: Server[] = [];
after(() => {
  for (const server of servers) server.close();
});

async function start(extra: Partial<AdminServerOptions> = {}) {
  const server = createAdminServer({
    service: 'beats-gate-test',
    version: '1.2.3',
    readiness: () => ({ ready: true }),
    ...extra,
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return async (path: string, init?: RequestInit) => {
    const response = await fetch(base + path, init);
    const text = await response.text();
    const json = () => JSON.parse(text) as Record<string, unknown>;
    return { status: response.status, headers: response.headers, text, json };
  };
}

describe('admin server', () => {
  it('answers /healthz, /version and /readyz as JSON that is never cached', async () => {
    const get = await start();
    const health = await get('/healthz');
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.text), { status: 'ok' });
    assert.equal(health.headers.get('content-type'), 'application/json');
    assert.equal(health.headers.get('cache-control'), 'no-store');
    assert.deepEqual(JSON.parse((await get('/version')).text), {
      service: 'beats-gate-test',
      version: '1.2.3',
    });
    assert.deepEqual(JSON.parse((await get('/readyz')).text), { status: 'ready', ready: true });
  });

  it('answers /readyz with 503 and the details while the service is not ready', async () => {
    let ready = false;
    const get = await start({ readiness: () => ({ ready, draining: !ready }) });
    const notReady = await get('/readyz');
    assert.equal(notReady.status, 503);
    assert.deepEqual(JSON.parse(notReady.text), {
      status: 'not_ready',
      ready: false,
      draining: true,
    });
    ready = true;
    assert.equal((await get('/readyz')).status, 200);
  });

  it('serves the registry at /metrics, and 404 without one', async () => {
    const metrics = createMetrics({ service: 'test', defaultMetrics: false });
    metrics.counter('things_total', 'things').inc(3);
    const withRegistry = await start({ registry: metrics.registry });
    const scraped = await withRegistry('/metrics');
    assert.equal(scraped.status, 200);
    assert.equal(scraped.headers.get('content-type'), metrics.registry.contentType);
    assert.match(scraped.text, /^beats_gate_test_things_total 3$/m);
    const without = await start();
    assert.equal((await without('/metrics')).status, 404);
  });

  it("serves a service's routes, with 405 and Allow for other methods and 404 elsewhere", async () => {
    const get = await start({
      routes: [
        {
          path: '/tunnels/close',
          methods: ['POST'],
          handle: (_request, url) => ({
            status: 200,
            body: { subject: url.searchParams.get('subject') },
          }),
        },
      ],
    });
    const posted = await get('/tunnels/close?subject=device-7', { method: 'POST', body: 'x' });
    assert.deepEqual(JSON.parse(posted.text), { subject: 'device-7' });
    const wrongMethod = await get('/tunnels/close');
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get('allow'), 'POST');
    assert.equal(wrongMethod.json().error, 'ERR_ADMIN_METHOD');
    assert.equal((await get('/healthz', { method: 'POST' })).status, 405);
    const missing = await get('/nothing');
    assert.equal(missing.status, 404);
    assert.equal(missing.json().error, 'ERR_ADMIN_NOT_FOUND');
  });

  it('answers 500 when a route fails, and logs admin_error', async () => {
    const capture = createLogCapture();
    const get = await start({
      logger: capture.logger,
      routes: [
        {
          path: '/status',
          methods: ['GET'],
          handle() {
            throw new Error('broken');
          },
        },
      ],
    });
    const failed = await get('/status');
    assert.equal(failed.status, 500);
    assert.equal(failed.json().error, 'ERR_ADMIN_INTERNAL');
    const line = await capture.waitFor((l) => l.event === 'admin_error');
    assert.equal(line.path, '/status');
  });

  it('refuses a path served twice when it is built', () => {
    assert.throws(
      () =>
        createAdminServer({
          service: 's',
          version: '0',
          readiness: () => ({ ready: true }),
          routes: [
            { path: '/healthz', methods: ['GET'], handle: () => ({ status: 200, body: {} }) },
          ],
        }),
      { name: 'RangeError', message: 'routes: /healthz is served twice' },
    );
  });
});
