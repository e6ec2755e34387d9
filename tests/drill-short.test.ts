/**
 * The production drill's short form (docs/drill.md): the same code as `npm run drill`, with fewer
 * devices and every alert's `for` scaled by 1/20. Real HAProxy, real Prometheus with the shipped
 * rules, real unwrappers, clients and receivers as processes; the three faults. It passes only if
 * no event is lost, the drain made no duplicate, and exactly the expected alerts fired and resolved.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runDrill, type DrillReport } from '../drill/lib/drill.ts';
import { renderPlot } from '../drill/lib/plot.ts';
import { renderReport } from '../drill/lib/report.ts';
import { SIZES } from '../drill/lib/sizes.ts';
import { missingToolsReason } from '../drill/lib/setup.ts';
import { repoPath } from './infra/infra-files.ts';

// CI installs both (.ci/run); elsewhere the suite says why it did not run.
const skip = !process.env.CI && missingToolsReason();

describe('the production drill, short form', { skip, timeout: 240_000 }, () => {
  it('loses no event, duplicates none on the drain, raises and resolves the right alerts', async () => {
    const lines: string[] = [];
    let report: DrillReport;
    try {
      report = await runDrill({
        ...SIZES.short,
        rulesPath: repoPath('infra/monitoring/beats-gate.rules.yaml'),
        log: (line) => lines.push(line),
      });
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${lines.join('\n')}`, { cause: error });
    }
    assert.deepEqual(report.problems, [], lines.join('\n'));
    assert.equal(report.ok, true);

    // No event lost, every one of every device, and the devices really sent through the faults.
    assert.equal(report.events.missing, 0);
    assert.equal(report.events.delivered, report.events.generated);
    assert.ok(report.events.generated > 10_000, `only ${report.events.generated} events`);

    const phase = (name: string) => report.phases.find((p) => p.name === name)!;
    // Each fault cut tunnels (devices reconnected), and the drain cost no duplicate.
    for (const p of report.phases) assert.ok(p.reconnects > 0, `${p.name}: no tunnel was cut`);
    assert.equal(phase('rolling restart').duplicates, 0);
    assert.ok(phase('receiver killed').duplicates <= phase('receiver killed').duplicatesBound);

    // The receiver's outage fired BeatsGateLogstashDown on all three unwrappers, the crash
    // BeatsGateUnwrapperDown for the one killed; each resolved later, and nothing else fired.
    const fired = (name: string) => report.alerts.filter((a) => a.alertname === name && a.firedAt);
    const expected = { BeatsGateLogstashDown: 3, BeatsGateUnwrapperDown: 1 };
    for (const [name, count] of Object.entries(expected)) assert.equal(fired(name).length, count);
    for (const alert of fired('BeatsGateLogstashDown'))
      assert.equal(alert.phase, 'receiver killed');
    for (const alert of fired('BeatsGateUnwrapperDown')) {
      assert.equal(alert.phase, 'unwrapper kill -9');
    }
    for (const alert of [...fired('BeatsGateLogstashDown'), ...fired('BeatsGateUnwrapperDown')]) {
      assert.ok(alert.firedAt && alert.resolvedAt && alert.resolvedAt > alert.firedAt);
    }
    assert.deepEqual(
      report.alerts.filter((a) => a.firedAt && !Object.keys(expected).includes(a.alertname)),
      [],
    );

    // The plot's data came from Prometheus: events flowed, and every unwrapper held tunnels.
    assert.ok(report.series.eventsPerSecond.some(([, v]) => v > 0));
    for (const [name, points] of Object.entries(report.series.tunnels)) {
      assert.ok(
        points.some(([, v]) => v > 0),
        `${name} never held a tunnel`,
      );
    }
    const svg = renderPlot(report);
    assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.equal((svg.match(/<polyline /g) ?? []).length >= 4, true);
    const markdown = renderReport('short', report, 'drill.svg');
    assert.match(markdown, /^# Drill report \(short\): PASS/);
  });
});
