/**
 * Upstream groups: a Logstash host list per tenant, chosen by a claim of the device's token (for
 * example a `tenant` claim), next to the default list in `upstreams`. Written as
 * `acme=10.0.0.1:5044,10.0.0.2:5044;globex=10.0.1.1:5044` in a flag or variable, or as an object
 * of host:port lists in the config file.
 */
import { parseHostPort, type Parsed } from './parse-value.ts';
import type { HostPort } from './types.ts';

const NAME = /^[A-Za-z0-9_.:@-]{1,100}$/;

export function parseUpstreamGroups(raw: unknown): Parsed<Record<string, HostPort[]>> {
  let entries: [string, unknown][];
  if (typeof raw === 'string') {
    entries = raw
      .split(';')
      .map((item) => item.trim())
      .filter((item) => item.length > 0)
      .map((item) => {
        const at = item.indexOf('=');
        return at < 0 ? [item, ''] : [item.slice(0, at).trim(), item.slice(at + 1)];
      });
  } else if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    entries = Object.entries(raw);
  } else {
    return { ok: false, problem: 'expected "group=host:port[,host:port…][;group=…]" or an object' };
  }
  if (entries.length === 0) return { ok: false, problem: 'expected at least one group' };
  const groups: Record<string, HostPort[]> = Object.create(null) as Record<string, HostPort[]>;
  for (const [name, value] of entries) {
    if (!NAME.test(name)) {
      return {
        ok: false,
        problem: `group name ${JSON.stringify(name)}: letters, digits, _.:@- only`,
      };
    }
    const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
    const targets: HostPort[] = [];
    for (const item of list) {
      if (typeof item !== 'string' || !item.trim()) continue;
      const parsed = parseHostPort(item, 1);
      if (!parsed.ok) return { ok: false, problem: `group ${name}: ${parsed.problem}` };
      targets.push(parsed.value);
    }
    if (targets.length === 0) return { ok: false, problem: `group ${name}: no host:port given` };
    groups[name] = targets;
  }
  return { ok: true, value: groups };
}
