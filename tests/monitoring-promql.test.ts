/**
 * The PromQL metric-name reader the monitoring tests rely on: it must find every name a query
 * reads and nothing else, or a check of "every query is backed by an exposed metric" would pass
 * a query on a missing metric, or fail on a label that looks like one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { metricNames } from '../infra/monitoring/promql-names.ts';

const names = (expr: string) => [...metricNames(expr)].sort();

describe('metricNames (infra/monitoring/promql-names.ts)', () => {
  it('reads a bare selector, with and without matchers', () => {
    assert.deepEqual(names('up'), ['up']);
    assert.deepEqual(names('beats_gate_unwrapper_draining == 1'), [
      'beats_gate_unwrapper_draining',
    ]);
    assert.deepEqual(names('a:recorded:rate5m{job="x"}'), ['a:recorded:rate5m']);
  });

  it('skips functions, aggregations and the labels of by/without/on/ignoring/group_*', () => {
    assert.deepEqual(
      names(
        'histogram_quantile(0.99, sum by (instance, le) (rate(lat_bucket[5m]))) > on (instance) group_left (pod) max without (upstream) (up_gauge)',
      ),
      ['lat_bucket', 'up_gauge'],
    );
    assert.deepEqual(names('sum(rate(x_total[1m])) by (le)'), ['x_total']);
    assert.deepEqual(names('a / ignoring(code) b'), ['a', 'b']);
    assert.deepEqual(names('sum by(result)(c)'), ['c']);
  });

  it('does not take label values, strings or regexes for names', () => {
    assert.deepEqual(
      names(
        `sum(rate(u_total{result!~"accepted|client_gone", le='0.5', x=\`y{z}\`}[5m])) or label_replace(v, "dst", "$1 not_a_name", "src", "(.*)")`,
      ),
      ['u_total', 'v'],
    );
    assert.deepEqual(names('m{a="quote \\" } inside"}'), ['m']);
  });

  it('skips keywords, numbers, durations, offsets and Grafana variables', () => {
    assert.deepEqual(
      names(
        'a and b or c unless d == bool 1e3 + 0x1F - Inf + NaN + rate(e[$__rate_interval]) offset 5m + increase(f[${__range}]) + g @ start()',
      ),
      ['a', 'b', 'c', 'd', 'e', 'f', 'g'],
    );
    assert.deepEqual(names('rate(h[1h30m:5m])'), ['h']);
  });

  it('reads __name__ matchers and ignores comments', () => {
    assert.deepEqual(names('{__name__="by_name", job="j"} # not_this\n+ k'), ['by_name', 'k']);
  });

  it('names an unterminated string or bracket instead of guessing', () => {
    assert.throws(() => metricNames('m{a="x}'), /unterminated string/);
    assert.throws(() => metricNames('sum(rate(m[5m])'), /unclosed \(/);
  });
});
