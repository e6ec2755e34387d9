import assert from 'node:assert/strict';
import { encodeData } from '@beats-gate/lumberjack';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createClaimsPolicy, type ClaimCheck } from './claims-policy.ts';
import { checkJsonObject } from './json-scan.ts';

const HOST: ClaimCheck = { field: 'host.name', claim: 'host' };
const AGENT: ClaimCheck = { field: 'agent.id', claim: 'agent' };
const CLAIMS = { host: 'good', agent: 'a-1' };

/** Checks the event as the encoder does: validated first, then given to the policy as bytes. */
function checkJson(
  text: string,
  checks: readonly ClaimCheck[] = [HOST],
  claims: Readonly<Record<string, unknown>> = CLAIMS,
) {
  const payload = Buffer.from(text);
  checkJsonObject(payload);
  return createClaimsPolicy(checks, claims).checkJson(payload);
}

describe('claims policy on J events', () => {
  it('sees a nested value that disagrees behind a flat one that agrees (issue 13, point 3)', () => {
    assert.deepEqual(checkJson('{"host.name":"good","host":{"name":"evil"}}'), ['host.name']);
    assert.deepEqual(checkJson('{"host":{"name":"evil"},"host.name":"good"}'), ['host.name']);
  });

  it('sees a flat value that disagrees beside a nested one that agrees', () => {
    assert.deepEqual(checkJson('{"host":{"name":"good"},"host.name":"evil"}'), ['host.name']);
    assert.deepEqual(checkJson('{"host.name":"evil","host":{"name":"good"}}'), ['host.name']);
  });

  it('passes an event whose every representation agrees', () => {
    assert.deepEqual(
      checkJson('{"host.name":"good","host":{"name":"good","ip":["10.0.0.1"]}}'),
      [],
    );
    assert.deepEqual(checkJson(' \n{ "host" : { "name" : "good" } }\t'), []);
  });

  describe('every split of a three-segment path', () => {
    const check: ClaimCheck = { field: 'a.b.c', claim: 'host' };
    const splits = [
      (v: string) => `{"a.b.c":${v}}`,
      (v: string) => `{"a":{"b.c":${v}}}`,
      (v: string) => `{"a.b":{"c":${v}}}`,
      (v: string) => `{"a":{"b":{"c":${v}}}}`,
    ];
    it('compares each split on its own', () => {
      for (const split of splits) {
        assert.deepEqual(checkJson(split('"good"'), [check]), [], split('"good"'));
        assert.deepEqual(checkJson(split('"evil"'), [check]), ['a.b.c'], split('"evil"'));
      }
    });

    it('finds the one split that disagrees among agreeing ones', () => {
      for (let bad = 0; bad < splits.length; bad++) {
        // Every split as a member of one event: strip each one's outer braces.
        const members = splits.map((split, n) =>
          split(n === bad ? '"evil"' : '"good"').slice(1, -1),
        );
        const event = `{${members.join(',')}}`;
        assert.deepEqual(checkJson(event, [check]), ['a.b.c'], event);
      }
    });

    it('does not take a longer or shorter path for the field', () => {
      assert.deepEqual(checkJson('{"a":{"b":{"c":{"d":"x"}}}}', [check]), ['a.b.c']);
      assert.deepEqual(checkJson('{"a":{"b":{"c.d":"evil"}},"a.b.c.d":"evil"}', [check]), []);
      assert.deepEqual(checkJson('{"a":{"b":"evil"},"b":{"c":"evil"}}', [check]), []);
    });
  });

  it('reads keys and values spelled with escapes', () => {
    assert.deepEqual(checkJson('{"host\\u002ename":"evil"}'), ['host.name']);
    assert.deepEqual(checkJson('{"\\u0068ost":{"name":"evil"}}'), ['host.name']);
    assert.deepEqual(checkJson('{"host":{"n\\u0061me":"evil"}}'), ['host.name']);
    assert.deepEqual(checkJson('{"host":{"name":"\\u0067ood"}}'), []);
    assert.deepEqual(checkJson('{"host.name":"goo\\u0064\\n"}'), ['host.name']);
  });

  it('compares every copy of a duplicated key, first or last', () => {
    assert.deepEqual(checkJson('{"host":{"name":"evil"},"host":{"name":"good"}}'), ['host.name']);
    assert.deepEqual(checkJson('{"host":{"name":"good"},"host":{"name":"evil"}}'), ['host.name']);
    assert.deepEqual(checkJson('{"host":{"name":"evil","name":"good"}}'), ['host.name']);
    assert.deepEqual(checkJson('{"host.name":"good","host.name":"evil"}'), ['host.name']);
    assert.deepEqual(checkJson('{"host":{"name":"good"},"host":{"name":"good"}}'), []);
  });

  it('takes an array as agreeing only when every element agrees', () => {
    assert.deepEqual(checkJson('{"host":{"name":["good","good"]}}'), []);
    assert.deepEqual(checkJson('{"host":{"name":[["good"],[]]}}'), []);
    assert.deepEqual(checkJson('{"host":{"name":[]}}'), []);
    assert.deepEqual(checkJson('{"host":{"name":["good","evil"]}}'), ['host.name']);
    assert.deepEqual(checkJson('{"host":{"name":["good",[null]]}}'), ['host.name']);
    assert.deepEqual(checkJson('{"host":{"name":[{"name":"good"}]}}'), ['host.name']);
  });

  it('follows arrays of objects on the way, as Elasticsearch indexes them', () => {
    assert.deepEqual(checkJson('{"host":[{"name":"good"},{"name":"evil"}]}'), ['host.name']);
    assert.deepEqual(checkJson('{"host":[[{"name":"evil"}]]}'), ['host.name']);
    assert.deepEqual(checkJson('{"host":[{"name":"good"},"h",1,{"ip":"x"}]}'), []);
  });

  it('compares numbers with the claim as text, spelled as sent', () => {
    const agentId = (value: string) => `{"agent":{"id":${value}}}`;
    assert.deepEqual(checkJson(agentId('5'), [AGENT], { ...CLAIMS, agent: '5' }), []);
    assert.deepEqual(checkJson(agentId('"5"'), [AGENT], { ...CLAIMS, agent: '5' }), []);
    const numberClaim = { host: 'good', agent: 5 };
    assert.deepEqual(checkJson(agentId('"5"'), [AGENT], numberClaim), []);
    assert.deepEqual(checkJson(agentId('5'), [AGENT], numberClaim), []);
    assert.deepEqual(checkJson(agentId('5.0'), [AGENT], numberClaim), ['agent.id']);
    assert.deepEqual(checkJson(agentId('-5'), [AGENT], numberClaim), ['agent.id']);
    assert.deepEqual(checkJson(agentId('6'), [AGENT], { ...CLAIMS, agent: '5' }), ['agent.id']);
  });

  it('takes any other value present as disagreeing', () => {
    for (const value of ['true', 'false', 'null', '{}', '{"name":"good"}']) {
      assert.deepEqual(checkJson(`{"host":{"name":${value}}}`), ['host.name'], value);
    }
  });

  it('does not check a field the event does not carry', () => {
    assert.deepEqual(checkJson('{"message":"host.name evil"}'), []);
    assert.deepEqual(checkJson('{"host":{"hostname":"evil"},"hosts":{"name":"evil"}}'), []);
    // A host that is not an object holds no host.name (Logstash reads nil there).
    assert.deepEqual(checkJson('{"host":"evil"}'), []);
    assert.deepEqual(checkJson('{}'), []);
  });

  it('does not check a claim the token does not carry', () => {
    const event = '{"host":{"name":"evil"},"agent":{"id":"evil"}}';
    assert.deepEqual(checkJson(event, [HOST, AGENT], { agent: 'a-1' }), ['agent.id']);
    const nullClaim = { host: null, agent: 'evil' };
    assert.deepEqual(checkJson(event, [HOST, AGENT], nullClaim), []);
  });

  it('lists the fields that disagree in the order of the checks', () => {
    const event = '{"agent":{"id":"evil"},"host":{"name":"evil"}}';
    assert.deepEqual(checkJson(event, [HOST, AGENT]), ['host.name', 'agent.id']);
    const policy = createClaimsPolicy([HOST, AGENT], CLAIMS);
    assert.deepEqual(policy.checkJson(Buffer.from(event)), ['host.name', 'agent.id']);
    // The next event starts clean.
    assert.deepEqual(policy.checkJson(Buffer.from('{"agent":{"id":"a-1"}}')), []);
  });

  it('refuses a field that is not 1 to 4 dotted segments when built', () => {
    for (const field of ['', 'host.', 'a..b', 'a.b.c.d.e']) {
      assert.throws(() => createClaimsPolicy([{ field, claim: 'host' }], CLAIMS), {
        code: 'ERR_INSPECT_FIELD_PATH',
      });
    }
  });

  describe('hostile nesting', { timeout: 10_000 }, () => {
    const depth = 200_000;
    const deepArrays = '['.repeat(depth) + ']'.repeat(depth);

    it('skips 200k nested arrays in another member', () => {
      assert.deepEqual(checkJson(`{"x":${deepArrays},"host":{"name":"evil"}}`), ['host.name']);
      assert.deepEqual(checkJson(`{"host":{"x":${deepArrays},"name":"good"}}`), []);
    });

    it('walks 200k nested arrays on the path without a call stack', () => {
      const nested = '['.repeat(depth) + '{"name":"evil"}' + ']'.repeat(depth);
      assert.deepEqual(checkJson(`{"host":${nested}}`), ['host.name']);
      const leaf = '['.repeat(depth) + '"good"' + ']'.repeat(depth);
      assert.deepEqual(checkJson(`{"host":{"name":${leaf}}}`), []);
    });

    it('descends only as deep as the path along 100k nested objects with its names', () => {
      const hosts = '{"host":'.repeat(100_000) + '"evil"' + '}'.repeat(100_000);
      assert.deepEqual(checkJson(hosts), []);
      const names = '{"host":' + '{"name":'.repeat(100_000) + '1' + '}'.repeat(100_001);
      assert.deepEqual(checkJson(names), ['host.name']);
    });
  });
});

describe('claims policy on D events', () => {
  const policy = createClaimsPolicy([HOST, AGENT], CLAIMS);
  /** A D frame of these pairs, in order (duplicates allowed). */
  const d = (...pairs: [string, string][]) => {
    const parts = pairs.map(([k, v]) => encodeData(1, { [k]: v }).subarray(10));
    const frame = Buffer.concat([encodeData(1, {}), ...parts]);
    frame.writeUInt32BE(pairs.length, 6);
    return frame;
  };
  const checkData = (event: Record<string, string>) =>
    policy.checkData(d(...Object.entries(event)));

  it('compares the exact dotted key', () => {
    assert.deepEqual(checkData({ 'host.name': 'good', 'agent.id': 'a-1' }), []);
    assert.deepEqual(checkData({ 'host.name': 'evil', 'agent.id': 'a-1' }), ['host.name']);
    assert.deepEqual(checkData({ 'host.name': 'evil', 'agent.id': 'x' }), [
      'host.name',
      'agent.id',
    ]);
  });

  it('checks neither a field the event lacks nor a claim the token lacks', () => {
    assert.deepEqual(checkData({ host: 'evil', message: 'x' }), []);
    const hostOnly = createClaimsPolicy([HOST, AGENT], { host: 'good' });
    assert.deepEqual(hostOnly.checkData(d(['host.name', 'good'], ['agent.id', 'x'])), []);
  });

  it('sees every copy of a duplicated key, first or last', () => {
    assert.deepEqual(policy.checkData(d(['host.name', 'evil'], ['host.name', 'good'])), [
      'host.name',
    ]);
    assert.deepEqual(policy.checkData(d(['host.name', 'good'], ['host.name', 'evil'])), [
      'host.name',
    ]);
  });
});

/**
 * The differential test: generated events kept as what a duplicate-preserving parser returns
 * (member lists, numbers as spelled, each key and string spelled plainly or with escapes), and a
 * reference that walks that tree the obvious recursive way.
 */
type Json =
  | { t: 'object'; members: [Text, Json][] }
  | { t: 'array'; items: Json[] }
  | { t: 'string'; text: Text }
  | { t: 'number'; raw: string }
  | { t: 'literal'; raw: 'true' | 'false' | 'null' };

interface Text {
  value: string;
  escaped: boolean;
}

function textOf(text: Text): string {
  if (!text.escaped) return JSON.stringify(text.value);
  const units = [...text.value].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `"${units.join('')}"`;
}

function serialize(value: Json, space: string): string {
  switch (value.t) {
    case 'object':
      return `{${value.members
        .map(
          ([key, member]) => `${space}${textOf(key)}${space}:${space}${serialize(member, space)}`,
        )
        .join(',')}${space}}`;
    case 'array':
      return `[${value.items.map((item) => space + serialize(item, space)).join(',')}${space}]`;
    case 'string':
      return textOf(value.text);
    case 'number':
    case 'literal':
      return value.raw;
  }
}

/** What JSON.parse keeps (the last copy of a key), to check the serializer. */
function lastWins(value: Json): unknown {
  switch (value.t) {
    case 'object': {
      const object: Record<string, unknown> = {};
      for (const [key, member] of value.members) object[key.value] = lastWins(member);
      return object;
    }
    case 'array':
      return value.items.map(lastWins);
    case 'string':
      return value.text.value;
    case 'number':
    case 'literal':
      return JSON.parse(value.raw);
  }
}

function referenceValues(event: Json, segments: readonly string[]): Json[] {
  const found: Json[] = [];
  function walk(value: Json, at: number) {
    if (value.t === 'array') value.items.forEach((item) => walk(item, at));
    if (value.t !== 'object') return;
    for (const [key, member] of value.members) {
      for (let end = at + 1; end <= segments.length; end++) {
        if (key.value !== segments.slice(at, end).join('.')) continue;
        if (end === segments.length) found.push(member);
        else walk(member, end);
      }
    }
  }
  walk(event, 0);
  return found;
}

function referenceAgrees(value: Json, expected: string): boolean {
  if (value.t === 'array') return value.items.every((item) => referenceAgrees(item, expected));
  if (value.t === 'string') return value.text.value === expected;
  return value.t === 'number' && value.raw === expected;
}

function reference(event: Json, checks: readonly ClaimCheck[], claims: Record<string, string>) {
  return checks
    .filter(({ field, claim }) =>
      referenceValues(event, field.split('.')).some((v) => !referenceAgrees(v, claims[claim]!)),
    )
    .map(({ field }) => field);
}

describe('claims policy against a reference on generated events', () => {
  const text = (values: string[]) =>
    fc.record({ value: fc.constantFrom(...values), escaped: fc.boolean() });
  const key = text(['host', 'name', 'host.name', 'agent', 'id', 'agent.id', 'x', 'name.x']);
  const leaf: fc.Arbitrary<Json> = fc.oneof(
    text(['good', 'evil', '5', '']).map((t): Json => ({ t: 'string', text: t })),
    fc.constantFrom('5', '5.0', '-5', '50').map((raw): Json => ({ t: 'number', raw })),
    fc
      .constantFrom('true' as const, 'false' as const, 'null' as const)
      .map((raw): Json => ({ t: 'literal', raw })),
  );
  const { object } = fc.letrec<{ value: Json; object: Json }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('value'), { maxLength: 3 }).map((items): Json => ({ t: 'array', items })),
      tie('object'),
    ),
    object: fc
      .array(fc.tuple(key, tie('value')), { maxLength: 5 })
      .map((members): Json => ({ t: 'object', members })),
  }));

  it('finds the same disagreeing fields', () => {
    fc.assert(
      fc.property(
        object,
        fc.constantFrom('', ' ', '\n\t '),
        fc.constantFrom('good', '5'),
        fc.constantFrom('good', '5', '50'),
        (event, space, host, agent) => {
          const bytes = Buffer.from(serialize(event, space));
          assert.deepEqual(JSON.parse(bytes.toString()), lastWins(event));
          const claims = { host, agent };
          const checks = [HOST, AGENT];
          assert.deepEqual(
            createClaimsPolicy(checks, claims).checkJson(bytes),
            reference(event, checks, claims),
          );
        },
      ),
      { numRuns: 3000 },
    );
  });
});
