import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readConfigFile } from './config-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'kit-config-file-'));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('readConfigFile', () => {
  it('reads JSON, and YAML by the .yaml or .yml extension, to the same values', () => {
    const expected = {
      values: { listen: '127.0.0.1:5044', maxTunnels: 8, tls: true, hosts: ['a:1'] },
    };
    const json = write('c.json', JSON.stringify(expected.values));
    const yaml = write(
      'c.yaml',
      'listen: 127.0.0.1:5044\nmaxTunnels: 8\ntls: true\nhosts: [a:1]\n',
    );
    const yml = write(
      'c.yml',
      'listen: "127.0.0.1:5044"\nmaxTunnels: 8\ntls: true\nhosts:\n  - a:1\n',
    );
    for (const path of [json, yaml, yml]) assert.deepEqual(readConfigFile(path), expected, path);
    assert.deepEqual(readConfigFile(write('empty.yaml', '# nothing yet\n')), { values: {} });
  });

  it('reports syntax errors by position only, never with the text around them', () => {
    const json = readConfigFile(write('bad.json', '{\n  "token": "s3cret-value",\n  oops\n}'));
    assert.ok('problem' in json);
    assert.match(json.problem, /bad\.json: not valid JSON at line 3 column 3$/);
    const yaml = readConfigFile(write('bad.yaml', 'token: s3cret-value\ntoken: again\n'));
    assert.ok('problem' in yaml);
    assert.match(yaml.problem, /bad\.yaml: not valid YAML at line 2 column 1 \(DUPLICATE_KEY\)$/);
    for (const problem of [json.problem, yaml.problem]) assert.doesNotMatch(problem, /s3cret/);
  });

  it('wants a mapping, and a file that can be read', () => {
    const list = readConfigFile(write('list.yaml', '- a\n- b\n'));
    assert.ok('problem' in list && /expected a mapping/.test(list.problem));
    const missing = readConfigFile(join(dir, 'missing.json'));
    assert.ok('problem' in missing && /cannot read it \(ENOENT\)/.test(missing.problem));
  });
});
