/**
 * The drill's plot as a standalone SVG, written by hand (two line charts need no plotting
 * library): events per second on top, open tunnels per unwrapper below, on one time axis, with
 * each fault shaded and named.
 */
import type { DrillReport } from './drill.ts';
import type { Point } from './series.ts';

const WIDTH = 960;
const PANEL = 240;
const LEFT = 64;
const RIGHT = 150;
const TOP = 40;
const GAP = 50;
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A round step near a fifth of `max`, so an axis gets about five labelled lines. */
function niceStep(max: number): number {
  const rough = Math.max(max, 1) / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= rough)!;
}

interface Panel {
  title: string;
  top: number;
  series: { name: string; points: Point[] }[];
}

export function renderPlot(report: DrillReport): string {
  const { startedAt, endedAt } = report;
  const plotWidth = WIDTH - LEFT - RIGHT;
  const x = (at: number) =>
    LEFT + ((at - startedAt) / Math.max(1, endedAt - startedAt)) * plotWidth;
  const panels: Panel[] = [
    {
      title: 'events per second (all unwrappers)',
      top: TOP,
      series: [{ name: 'events/s', points: report.series.eventsPerSecond }],
    },
    {
      title: 'open tunnels per unwrapper',
      top: TOP + PANEL + GAP,
      series: Object.entries(report.series.tunnels).map(([name, points]) => ({ name, points })),
    },
  ];
  const height = TOP + 2 * PANEL + GAP + 40;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="${LEFT}" y="20" font-size="15" font-weight="bold">beats-gate production drill: ${report.devices} devices, ${report.events.generated.toLocaleString('en')} events, ${report.events.missing} lost</text>`,
  ];
  for (const panel of panels) {
    const max = Math.max(1, ...panel.series.flatMap((s) => s.points.map(([, v]) => v)));
    const step = niceStep(max);
    const top = Math.ceil(max / step) * step;
    const y = (value: number) => panel.top + PANEL - (value / top) * PANEL;
    for (const phase of report.phases) {
      const from = x(phase.startedAt);
      const to = x(phase.endedAt);
      out.push(
        `<rect x="${from.toFixed(1)}" y="${panel.top}" width="${Math.max(1, to - from).toFixed(1)}" height="${PANEL}" fill="#f3e6c4"/>`,
        `<text x="${(from + 3).toFixed(1)}" y="${panel.top + 12}" fill="#8a6d1e">${escape(phase.name)}</text>`,
      );
    }
    for (let value = 0; value <= top; value += step) {
      out.push(
        `<line x1="${LEFT}" x2="${LEFT + plotWidth}" y1="${y(value).toFixed(1)}" y2="${y(value).toFixed(1)}" stroke="#ddd"/>`,
        `<text x="${LEFT - 6}" y="${(y(value) + 4).toFixed(1)}" text-anchor="end">${value}</text>`,
      );
    }
    out.push(
      `<text x="${LEFT}" y="${panel.top - 8}" font-weight="bold">${escape(panel.title)}</text>`,
      `<rect x="${LEFT}" y="${panel.top}" width="${plotWidth}" height="${PANEL}" fill="none" stroke="#888"/>`,
    );
    panel.series.forEach((series, i) => {
      const colour = COLOURS[i % COLOURS.length]!;
      // A gap in the data (a process down, not scraped) is a gap in the line, not a slope.
      const runs: Point[][] = [];
      let last = -Infinity;
      for (const point of series.points) {
        if (point[0] - last > 5000 || runs.length === 0) runs.push([]);
        runs.at(-1)!.push(point);
        last = point[0];
      }
      for (const run of runs) {
        const path = run.map(([at, v]) => `${x(at).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
        out.push(`<polyline points="${path}" fill="none" stroke="${colour}" stroke-width="1.5"/>`);
      }
      const legendY = panel.top + 16 + i * 18;
      out.push(
        `<line x1="${LEFT + plotWidth + 12}" x2="${LEFT + plotWidth + 32}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="${colour}" stroke-width="3"/>`,
        `<text x="${LEFT + plotWidth + 38}" y="${legendY}">${escape(series.name)}</text>`,
      );
    });
  }
  const axisY = TOP + 2 * PANEL + GAP + 18;
  const seconds = (endedAt - startedAt) / 1000;
  const step = niceStep(seconds);
  for (let s = 0; s <= seconds; s += step) {
    out.push(
      `<text x="${x(startedAt + s * 1000).toFixed(1)}" y="${axisY}" text-anchor="middle">${s} s</text>`,
    );
  }
  out.push('</svg>', '');
  return out.join('\n');
}
