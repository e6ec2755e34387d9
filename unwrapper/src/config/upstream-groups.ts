/**
 * Upstream groups: a Logstash host list per tenant, chosen by a claim of the device's token (for
 * example a `tenant` claim), next to the default list in `upstreams`. Written as
 * `acme=10.0.0.1:5044,10.0.0.2:5044;globex=10.0.1.1:5044` in a flag or variable, or as a mapping
 * of host:port lists in the config file.
 */
import { fail, hostPortList, ok, type HostPort, type Kind } from '@beats-gate/kit';

const NAME = /^[A-Za-z0-9_.:@-]{1,100}$/;

function groupEntries(raw: unknown): [string, unknown][] | undefined {
  if (typeof raw === 'string') {
    return raw
      .split(';')
      .map((item) => item.trim())
      .filter((item) => item.length > 0)
      .map((item) => {
        const at = item.indexOf('=');
        return at < 0 ? [item, ''] : [item.slice(0, at).trim(), item.slice(at + 1)];
      });
  }
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) return Object.entries(raw);
  return undefined;
}

export const upstreamGroups: Kind<Readonly<Record<string, readonly HostPort[]>>> = {
  placeholder: '<group=host:port,…;…>',
  format: (groups) =>
    Object.entries(groups)
      .map(([name, list]) => `${name}=${hostPortList().format?.(list) ?? ''}`)
      .join(';'),
  parse(raw, show) {
    const entries = groupEntries(raw);
    if (!entries) return fail('expected "group=host:port[,host:port…][;group=…]" or a mapping');
    if (entries.length === 0) return fail('expected at least one group');
    const groups = Object.create(null) as Record<string, readonly HostPort[]>;
    for (const [name, value] of entries) {
      if (!NAME.test(name)) return fail(`group name ${show(name)}: letters, digits, _.:@- only`);
      const parsed = hostPortList().parse(value, show);
      if (!parsed.ok) return fail(`group ${name}: ${parsed.problem}`);
      groups[name] = parsed.value;
    }
    return ok(groups);
  },
};
