/**
 * Follows Prometheus's alerts through the drill: /api/v1/alerts every second, and for each alert
 * (its name and labels) when it went pending, when it fired, and when it was gone again
 * (resolved). The drill compares that timeline with what each fault should raise.
 */
import { activeAlerts, type ActiveAlert } from './prometheus-api.ts';

export interface AlertRecord {
  alertname: string;
  labels: Record<string, string>;
  /** The drill phase during which it first appeared. */
  phase: string;
  pendingAt: number;
  firedAt?: number;
  resolvedAt?: number;
}

export interface AlertWatch {
  records: AlertRecord[];
  setPhase(phase: string): void;
  /** Reads the alerts now (also done every second). */
  poll(): Promise<void>;
  /** The records of open alerts (not resolved) that match. */
  open(alertname: string, labels?: Record<string, string>): AlertRecord[];
  stop(): Promise<void>;
}

const IGNORED_LABELS = new Set(['severity']);

function key(alert: ActiveAlert): string {
  const labels = Object.entries(alert.labels)
    .filter(([name]) => !IGNORED_LABELS.has(name))
    .sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify(labels);
}

export function watchAlerts(url: string, everyMs = 1000): AlertWatch {
  const records: AlertRecord[] = [];
  const open = new Map<string, AlertRecord>();
  let phase = 'start-up';
  let polling: Promise<void> = Promise.resolve();

  async function read(): Promise<void> {
    const alerts = await activeAlerts(url);
    const now = Date.now();
    const seen = new Set<string>();
    for (const alert of alerts) {
      const id = key(alert);
      seen.add(id);
      let record = open.get(id);
      if (!record) {
        const { alertname, ...labels } = alert.labels;
        record = { alertname, labels, phase, pendingAt: now };
        open.set(id, record);
        records.push(record);
      }
      if (alert.state === 'firing') record.firedAt ??= now;
    }
    for (const [id, record] of open) {
      if (seen.has(id)) continue;
      record.resolvedAt = now;
      open.delete(id);
    }
  }

  const poll = () => (polling = polling.then(read, read));
  const timer = setInterval(() => void poll().catch(() => {}), everyMs);

  return {
    records,
    setPhase: (next) => (phase = next),
    poll,
    open(alertname, labels = {}) {
      return [...open.values()].filter(
        (record) =>
          record.alertname === alertname &&
          Object.entries(labels).every(([name, value]) => record.labels[name] === value),
      );
    },
    async stop() {
      clearInterval(timer);
      await polling.catch(() => {});
    },
  };
}
