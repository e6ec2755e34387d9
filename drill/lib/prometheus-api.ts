/**
 * The two reads of Prometheus's HTTP API the drill makes beyond an instant query: the alerts it
 * holds now (/api/v1/alerts) and a series over time (/api/v1/query_range) for the plot.
 */

export interface ActiveAlert {
  labels: Record<string, string> & { alertname: string };
  /** `pending` while its `for` runs, then `firing`. Resolved alerts are no longer listed. */
  state: 'pending' | 'firing';
  activeAt: string;
}

export interface RangeSeries {
  metric: Record<string, string>;
  /** [unix seconds, value as Prometheus formats it] */
  values: [number, string][];
}

async function api<T>(url: string, path: string): Promise<T> {
  const response = await fetch(url + path);
  const body = (await response.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`Prometheus ${path}: ${body.error}`);
  return body.data;
}

export async function activeAlerts(url: string): Promise<ActiveAlert[]> {
  return (await api<{ alerts: ActiveAlert[] }>(url, '/api/v1/alerts')).alerts;
}

export async function queryRange(
  url: string,
  expr: string,
  range: { startMs: number; endMs: number; stepSeconds: number },
): Promise<RangeSeries[]> {
  const params = new URLSearchParams({
    query: expr,
    start: String(range.startMs / 1000),
    end: String(range.endMs / 1000),
    step: String(range.stepSeconds),
  });
  return (await api<{ result: RangeSeries[] }>(url, `/api/v1/query_range?${params.toString()}`))
    .result;
}
