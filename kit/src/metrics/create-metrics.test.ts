import assert from 'node:assert/strict';
import { totalmem } from 'node:os';
import { describe, it } from 'node:test';
import { createMetrics } from './create-metrics.ts';

describe('createMetrics', () => {
  it("keeps Node's default metrics under their standard names", async () => {
    const { registry } = createMetrics({ service: 'test' });
    const names = (await registry.getMetricsAsJSON()).map((metric) => metric.name);
    for (const standard of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      assert.ok(names.includes(standard), `${standard} is missing`);
    }
    assert.deepEqual(
      names.filter((name) => name.startsWith('beats_gate_')),
      ['beats_gate_test_heap_limit_bytes', 'beats_gate_test_memory_limit_bytes'],
    );
  });

  it('exposes the limits memory is measured against: V8 heap and cgroup or machine', async () => {
    const { registry } = createMetrics({ service: 'test' });
    const value = async (name: string) =>
      (await registry.getSingleMetric(name)!.get()).values[0]!.value;
    const heapLimit = await value('beats_gate_test_heap_limit_bytes');
    const memoryLimit = await value('beats_gate_test_memory_limit_bytes');
    const heapUsed = await value('nodejs_heap_size_used_bytes');
    assert.ok(heapLimit > heapUsed && heapLimit < memoryLimit * 2, `${heapUsed} ${heapLimit}`);
    // Never the 2^64 that process.constrainedMemory() reports for "no limit".
    assert.ok(memoryLimit > 0 && memoryLimit <= totalmem(), String(memoryLimit));
  });

  it('leaves the default metrics out when asked', async () => {
    const { registry } = createMetrics({ service: 'test', defaultMetrics: false });
    assert.deepEqual(await registry.getMetricsAsJSON(), []);
  });

  it('prefixes product metrics with beats_gate_<service>_', async () => {
    const metrics = createMetrics({ service: 'unwrapper', defaultMetrics: false });
    metrics.counter('bytes_total', 'bytes', ['direction']).inc({ direction: 'up' }, 5);
    metrics.histogram('tunnel_duration_seconds', 'lifetime', { buckets: [1] }).observe(0.5);
    const text = await metrics.registry.metrics();
    assert.match(text, /^beats_gate_unwrapper_bytes_total\{direction="up"\} 5$/m);
    assert.match(text, /^beats_gate_unwrapper_tunnel_duration_seconds_count 1$/m);
  });

  it('fills a gauge on each scrape from its collect callback, dropping series that are gone', async () => {
    const metrics = createMetrics({ service: 'client', defaultMetrics: false });
    let listeners = [
      { name: 'a', tunnels: 2 },
      { name: 'b', tunnels: 0 },
    ];
    metrics.gauge('tunnels_active', 'open tunnels', {
      labelNames: ['listener'],
      collect(gauge) {
        for (const { name, tunnels } of listeners) gauge.set({ listener: name }, tunnels);
      },
    });
    const scrape = async () =>
      (await metrics.registry.metrics()).split('\n').filter((line) => line.startsWith('beats_'));
    assert.deepEqual(await scrape(), [
      'beats_gate_client_tunnels_active{listener="a"} 2',
      'beats_gate_client_tunnels_active{listener="b"} 0',
    ]);
    listeners = [{ name: 'b', tunnels: 3 }];
    assert.deepEqual(await scrape(), ['beats_gate_client_tunnels_active{listener="b"} 3']);
  });

  it('refuses names that break the convention, naming what is wrong', () => {
    assert.throws(() => createMetrics({ service: 'Beats-Gate' }), {
      name: 'RangeError',
      message: /^service must be lower-case/,
    });
    const metrics = createMetrics({ service: 'test', defaultMetrics: false });
    assert.throws(() => metrics.counter('bytes', 'bytes'), {
      name: 'RangeError',
      message: 'counter name must end in _total, got "bytes"',
    });
    assert.throws(() => metrics.counter('Bytes_total', 'bytes'), {
      name: 'RangeError',
      message: 'metric name must be snake_case, got "Bytes_total"',
    });
  });
});
