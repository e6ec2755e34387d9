/** The human-readable summary of a run, printed after the JSON is written. */
import type { BenchResults } from './results.ts';

function table(rows: (string | number)[][]): string {
  const cells = rows.map((row) => row.map(String));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells
    .map((row) =>
      row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
        .join('  '),
    )
    .join('\n');
}

const fmt = (n: number | undefined | null, digits = 0) =>
  n === undefined || n === null || !Number.isFinite(n)
    ? '-'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function failed(outcome: object | undefined): string | undefined {
  if (!outcome) return 'not run';
  if ('skipped' in outcome) return `skipped: ${String(outcome.skipped)}`;
  if ('error' in outcome) return `FAILED: ${String(outcome.error).split('\n')[0]}`;
  return undefined;
}

export function renderSummary(r: BenchResults): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(
    `beats-gate bench (${r.mode}) ${r.startedAt}: ${m.cpuModel}, ${m.cores} cores, Node ${m.node}, ` +
      `load ${m.loadAverageStart.join('/')} → ${(m.loadAverageEnd ?? []).join('/')}, ${fmt(r.durationSeconds)} s`,
  );
  const c = r.cases;

  out.push(
    '',
    `1. Throughput (${fmt(r.sizes.throughputEvents)} events, median of ${r.sizes.throughputRepeats})`,
  );
  const tp = failed(c.throughput);
  if (tp || !Array.isArray(c.throughput)) out.push(`   ${tp}`);
  else {
    const rows: (string | number)[][] = [
      ['config / path', 'events/s', 'wire MB/s', 'ratio', 'CPU ratio', 'CPU s per 1M events'],
    ];
    for (const t of c.throughput) {
      for (const path of ['direct', 'tunnel'] as const) {
        const f = t[path];
        const cpu = Object.entries(f.cpuSecondsPerMillion)
          .map(([k, v]) => `${k} ${fmt(v, 2)}`)
          .join(', ');
        rows.push([
          `${t.config.name} ${path}`,
          fmt(f.eventsPerSecond),
          fmt(f.wireMBPerSecond, 2),
          path === 'tunnel' ? fmt(t.ratio, 3) : '',
          path === 'tunnel' ? fmt(t.cpuRatio, 3) : '',
          cpu,
        ]);
      }
    }
    out.push(table(rows));
  }

  out.push('', '2. Ack latency (pipelining 0)');
  const lt = failed(c.latency);
  if (lt || !c.latency || !('direct' in c.latency)) out.push(`   ${lt}`);
  else {
    const l = c.latency;
    out.push(
      table([
        ['path', 'p50 ms', 'p99 ms', 'mean ms'],
        ['direct', fmt(l.direct.p50Ms, 3), fmt(l.direct.p99Ms, 3), fmt(l.direct.meanMs, 3)],
        ['tunnel', fmt(l.tunnel.p50Ms, 3), fmt(l.tunnel.p99Ms, 3), fmt(l.tunnel.meanMs, 3)],
        ['added', fmt(l.addedP50Ms, 3), fmt(l.addedP99Ms, 3), ''],
      ]),
      `   ${l.windows} windows of ${l.batch} events each way`,
    );
  }

  out.push('', '3. Scale (client → unwrapper, edge left out)');
  const sc = failed(c.scale);
  if (sc || !c.scale || !('tunnels' in c.scale)) out.push(`   ${sc}`);
  else {
    const s = c.scale;
    out.push(
      table([
        ['process', 'KiB/tunnel idle', 'KiB/tunnel after a window', 'RSS MiB before → idle'],
        [
          'unwrapper',
          fmt(s.unwrapperKiBPerTunnel, 1),
          fmt(s.unwrapperKiBPerTunnelAfterWindow, 1),
          `${s.unwrapperRssMiB.before} → ${s.unwrapperRssMiB.idle}`,
        ],
        [
          'client',
          fmt(s.clientKiBPerTunnel, 1),
          fmt(s.clientKiBPerTunnelAfterWindow, 1),
          `${s.clientRssMiB.before} → ${s.clientRssMiB.idle}`,
        ],
      ]),
      `   ${fmt(s.tunnels)} tunnels open in ${fmt(s.openSeconds, 1)} s (${fmt(s.tunnelsPerSecond)}/s); ` +
        `${fmt(s.windowsAcked)}/${fmt(s.tunnels)} carried a window afterwards (${fmt(s.windowSeconds, 1)} s)`,
    );
  }

  out.push('', '4. Edge (workerd)');
  const ed = failed(c.edge);
  if (ed || !c.edge || !('verify' in c.edge)) out.push(`   ${ed}`);
  else {
    const e = c.edge;
    const rows: (string | number)[][] = [['token', 'median round trip ms', 'verification ms']];
    rows.push(['refused at header parse', fmt(e.parseRefusalMs, 3), '']);
    for (const [alg, v] of Object.entries(e.verify))
      rows.push([alg, fmt(v.roundTripMs, 3), fmt(v.verifyMs, 3)]);
    out.push(
      table(rows),
      `   upgrades through the worker to the unwrapper: ${fmt(e.upgrades.perSecond)}/s ` +
        `(${e.upgrades.count}, ${e.upgrades.concurrency} at a time, ${e.upgrades.failures} failed)`,
    );
  }

  out.push('', '5. Peer: unwrapper vs websockify (sender → client → stamp → bridge → receiver)');
  const pe = failed(c.peer);
  if (pe || !Array.isArray(c.peer)) out.push(`   ${pe}`);
  else {
    const rows: (string | number)[][] = [
      ['config / bridge', 'events/s', 'wire MB per bridge CPU s', 'bridge CPU s per 1M'],
    ];
    for (const p of c.peer) {
      for (const name of ['unwrapper', 'websockify'] as const) {
        rows.push([
          `${p.config} ${name}`,
          fmt(p[name].eventsPerSecond),
          fmt(p[name].mbPerCpuSecond, 1),
          fmt(p[name].cpuSecondsPerMillion, 2),
        ]);
      }
    }
    out.push(table(rows));
  }

  out.push(
    '',
    '6. Lumberjack-aware unwrapper (sender → client → stamp → unwrapper per mode → receiver)',
  );
  const ins = failed(c.inspect);
  if (ins || !c.inspect || !('modes' in c.inspect)) out.push(`   ${ins}`);
  else {
    const rows: (string | number)[][] = [
      ['mode', 'events/s', 'vs byte tunnel', 'unwrapper CPU s per 1M', 'path CPU s per 1M'],
    ];
    for (const m of c.inspect.modes) {
      rows.push([
        m.mode === 'off' ? 'byte tunnel' : m.mode,
        fmt(m.eventsPerSecond),
        fmt(m.ratioToByteTunnel, 3),
        fmt(m.unwrapperCpuSecondsPerMillion, 2),
        fmt(m.pathCpuSecondsPerMillion, 2),
      ]);
    }
    out.push(
      table(rows),
      `   ${fmt(c.inspect.events)} events per run at ${c.inspect.config}, median of ${r.sizes.inspectRepeats}`,
    );
  }

  out.push('', 'Targets');
  out.push(
    table([
      ['target', 'goal', 'measured', 'result'],
      ...r.targets.map((t) => [
        t.name,
        t.goal,
        t.value === null ? '-' : `${t.value} ${t.unit}`,
        (t.pass === null ? 'n/a' : t.pass ? 'pass' : 'MISS') + (t.note ? ` (${t.note})` : ''),
      ]),
    ]),
  );
  return out.join('\n');
}
