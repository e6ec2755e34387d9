/** The drill's report as Markdown: the verdict, the delivery check, each fault, the alerts. */
import type { DrillReport } from './drill.ts';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function renderReport(mode: string, report: DrillReport, plotPath: string): string {
  const at = (ms: number | undefined) => (ms === undefined ? '—' : seconds(ms - report.startedAt));
  const { events } = report;
  const lines = [
    `# Drill report (${mode}): ${report.ok ? 'PASS' : 'FAIL'}`,
    '',
    `${new Date(report.startedAt).toISOString()}, ${seconds(report.endedAt - report.startedAt)}: ` +
      `${report.settings.unwrappers} unwrappers behind HAProxy, ${report.settings.receivers} receivers, ` +
      `${report.devices} devices at ${report.settings.ratePerSecond} events/s each ` +
      `(windows of ${report.settings.batchSize}, ${report.settings.pipelining} pipelined), ` +
      `Prometheus scraping every ${report.settings.scrapeSeconds} s, alert \`for\` × ${report.settings.forScale}.`,
    '',
    ...(report.problems.length > 0
      ? ['Problems:', '', ...report.problems.map((p) => `- ${p}`), '']
      : []),
    '| events generated | delivered | lost | duplicates | not generated | cut short by a kill | mean events/s | peak events/s |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${events.generated} | ${events.delivered} | ${events.missing} | ${events.duplicates} | ${events.unexpected} | ${events.cutShort} | ${report.eventsPerSecond.mean} | ${report.eventsPerSecond.peak} |`,
    '',
    '| fault | from | to | reconnects | duplicates | allowed by the docs | alerts it must raise |',
    '| --- | ---: | ---: | ---: | ---: | --- | --- |',
    ...report.phases.map(
      (phase) =>
        `| ${phase.name} | ${at(phase.startedAt)} | ${at(phase.endedAt)} | ${phase.reconnects} | ${phase.duplicates} | ` +
        `${phase.duplicatesAllowed === 'none' ? 'none (batch-boundary drain)' : `≤ ${phase.duplicatesBound} (windows in flight)`} | ` +
        `${phase.expectedAlerts.length > 0 ? phase.expectedAlerts.map((a) => `\`${a}\``).join('<br>') : 'none'} |`,
    ),
    '',
    ...report.phases.flatMap((phase) => phase.notes.map((note) => `- ${phase.name}: ${note}`)),
    '',
    '| alert | labels | raised during | pending at | fired at | resolved at |',
    '| --- | --- | --- | ---: | ---: | ---: |',
    ...(report.alerts.length > 0
      ? report.alerts.map(
          (alert) =>
            `| ${alert.alertname} | ${Object.entries(alert.labels)
              .filter(([name]) => name !== 'job')
              .map(([name, value]) => `${name}=${value}`)
              .join(
                ' ',
              )} | ${alert.phase} | ${at(alert.pendingAt)} | ${at(alert.firedAt)} | ${at(alert.resolvedAt)} |`,
        )
      : ['| (none) | | | | | |']),
    '',
    `![events per second and tunnels per unwrapper](${plotPath})`,
    '',
  ];
  return lines.join('\n');
}
