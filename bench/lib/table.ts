/** The human-readable summary of a run, printed after the JSON is written. */
import type { PathFigures } from '../cases/throughput.ts';
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
    const notes: string[] = [];
    for (const t of c.throughput) {
      const paths: [string, PathFigures, string, string][] = [
        ['direct', t.direct, '', ''],
        ['tunnel', t.tunnel, fmt(t.ratio, 3), fmt(t.cpuRatio, 3)],
        ...Object.entries(t.floors).map(([name, f]): [string, PathFigures, string, string] => [
          name,
          f,
          fmt(f.ratio, 3),
          '',
        ]),
      ];
      for (const [path, f, ratio, cpuRatio] of paths) {
        const cpu = Object.entries(f.cpuSecondsPerMillion)
          .map(([k, v]) => `${k} ${fmt(v, 2)}`)
          .join(', ');
        rows.push([
          `${t.config.name} ${path}`,
          fmt(f.eventsPerSecond),
          fmt(f.wireMBPerSecond, 2),
          ratio,
          cpuRatio,
          cpu,
        ]);
      }
      for (const [name, f] of Object.entries(t.floors)) {
        notes.push(
          `   ${t.config.name}: tunnel ÷ ${name} ${fmt(f.tunnelRatio, 3)} events/s; the tunnel's ` +
            `hops cost ${fmt(f.tunnelCpuInFloors, 1)}× the CPU of one ${name} hop ` +
            `(${fmt(f.mbPerCpuSecond, 1)} wire MB per CPU s)`,
        );
      }
      for (const [name, why] of Object.entries(t.floorsSkipped)) {
        notes.push(`   ${t.config.name}: ${name} skipped: ${why}`);
      }
    }
    out.push(table(rows), ...notes);
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

  out.push(
    '',
    '5. Peer: unwrapper vs websockify (sender → client → stamp → bridge → receiver) and floors (sender → floor → receiver)',
  );
  const pe = failed(c.peer);
  if (pe || !Array.isArray(c.peer)) out.push(`   ${pe}`);
  else {
    const rows: (string | number)[][] = [
      ['config / bridge', 'events/s', 'wire MB per bridge CPU s', 'bridge CPU s per 1M'],
    ];
    const notes: string[] = [];
    for (const p of c.peer) {
      const bridges = { unwrapper: p.unwrapper, websockify: p.websockify, ...p.floors };
      for (const [name, b] of Object.entries(bridges)) {
        rows.push([
          `${p.config} ${name}`,
          fmt(b.eventsPerSecond),
          fmt(b.mbPerCpuSecond, 1),
          fmt(b.cpuSecondsPerMillion, 2),
        ]);
      }
      const shares = Object.entries(p.unwrapperToFloor).map(
        ([name, share]) => `${fmt(share, 2)} of ${name}'s`,
      );
      notes.push(
        `   ${p.config}: unwrapper ÷ websockify ${fmt(p.capacityRatio, 2)}×; unwrapper capacity ` +
          (shares.length > 0 ? shares.join(', ') : 'not compared with a floor'),
      );
      for (const [name, why] of Object.entries(p.floorsSkipped)) {
        notes.push(`   ${p.config}: ${name} skipped: ${why}`);
      }
    }
    out.push(table(rows), ...notes);
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
