/**
 * The one configuration loader: command-line flags over UNWRAPPER_* environment variables over a
 * JSON config file over defaults. It checks everything and reports every problem at once, each
 * naming the flag, variable or file key it came from, and never prints a secret.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import {
  ASYMMETRIC_JWS_ALGORITHMS,
  AssertionKeyError,
  parseAssertionKeys,
  type AssertionKey,
} from '@beats-gate/protocol';
import type { JSONWebKeySet } from 'jose';
import { InspectConfigError, resolveInspect } from './inspect-config.ts';
import { CONFIG_FLAG, OPTIONS, type OptionSpec } from './options.ts';
import { parseValue } from './parse-value.ts';
import { DEFAULTS, type UnwrapperConfig } from './types.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly code = 'ERR_CONFIG_INVALID';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.problems = problems;
  }
}

export type LoadConfigResult =
  { kind: 'config'; config: UnwrapperConfig } | { kind: 'help'; text: string };

function buildProgram(output: { text: string }) {
  const program = new Command('beats-gate-unwrapper')
    .description(
      'Accepts WebSocket tunnels forwarded by the beats-gate edge (checked with the edge ' +
        'assertion) and joins each to one Logstash connection. Flags override UNWRAPPER_* ' +
        'environment variables, which override the --config JSON file (keys in camelCase, ' +
        'as listed in docs/unwrapper.md).',
    )
    .exitOverride()
    .allowUnknownOption()
    .allowExcessArguments()
    .configureOutput({
      writeOut: (text) => (output.text += text),
      writeErr: (text) => (output.text += text),
    })
    .addOption(
      new Option(`--${CONFIG_FLAG.flag} <file>`, `JSON config file (env ${CONFIG_FLAG.env})`),
    );
  for (const spec of OPTIONS) {
    const value = spec.kind === 'bool' ? '' : ` <${spec.kind === 'file' ? 'file' : 'value'}>`;
    const defaults = spec.defaultText ? ` (default ${spec.defaultText})` : '';
    program.addOption(
      new Option(`--${spec.flag}${value}`, `${spec.help}${defaults}; env ${spec.env}`),
    );
  }
  return program;
}

interface Source {
  raw: unknown;
  where: string;
}

function readConfigFile(path: string, problems: string[]): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason =
      error instanceof SyntaxError
        ? 'not valid JSON'
        : ((error as NodeJS.ErrnoException).code ?? 'unreadable');
    problems.push(`config file ${JSON.stringify(path)}: ${reason}`);
    return {};
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    problems.push(`config file ${JSON.stringify(path)}: expected a JSON object`);
    return {};
  }
  const known = new Set(OPTIONS.map((spec) => spec.key));
  for (const key of Object.keys(parsed)) {
    if (!known.has(key)) problems.push(`config file ${JSON.stringify(path)}: unknown key "${key}"`);
  }
  return parsed as Record<string, unknown>;
}

export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): LoadConfigResult {
  const problems: string[] = [];
  const output = { text: '' };
  const program = buildProgram(output);
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError && error.code === 'commander.helpDisplayed') {
      return { kind: 'help', text: output.text };
    }
    if (error instanceof CommanderError)
      throw new ConfigError([error.message.replace(/^error: /, '')]);
    throw error;
  }
  for (const extra of program.args) problems.push(`unknown argument ${JSON.stringify(extra)}`);
  const flags = program.opts<Record<string, unknown>>();

  const configPath = (flags[CONFIG_FLAG.flag] as string | undefined) ?? env[CONFIG_FLAG.env];
  const file = configPath ? readConfigFile(configPath, problems) : {};

  const values = new Map<string, { value: unknown; where: string }>();
  for (const spec of OPTIONS) {
    const source = pick(spec, flags, env, file, configPath);
    if (!source) continue;
    const parsed = parseValue(spec, source.raw);
    if (parsed.ok) values.set(spec.key, { value: parsed.value, where: source.where });
    else problems.push(`${source.where}: ${parsed.problem}`);
  }

  const config = assemble(values, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return { kind: 'config', config: config as UnwrapperConfig };
}

function pick(
  spec: OptionSpec,
  flags: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  file: Record<string, unknown>,
  configPath: string | undefined,
): Source | undefined {
  const flagKey = spec.flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
  if (flags[flagKey] !== undefined) return { raw: flags[flagKey], where: `--${spec.flag}` };
  const fromEnv = env[spec.env];
  if (fromEnv !== undefined && fromEnv !== '') return { raw: fromEnv, where: spec.env };
  if (file[spec.key] !== undefined) {
    return {
      raw: file[spec.key],
      where: `config file ${JSON.stringify(configPath)} key "${spec.key}"`,
    };
  }
  return undefined;
}

type Values = Map<string, { value: unknown; where: string }>;

function fileContent(values: Values, key: string): Buffer | undefined {
  return (values.get(key)?.value as { content: Buffer } | undefined)?.content;
}

function whereOf(key: string, values: Values): string {
  return values.get(key)?.where ?? OPTIONS.find((spec) => spec.key === key)!.env;
}

/** Cross-field rules, and the shape the code uses. */
function assemble(values: Values, problems: string[]): Partial<UnwrapperConfig> {
  const get = <T>(key: string): T | undefined => values.get(key)?.value as T | undefined;
  const out: Record<string, unknown> = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS)) {
    if (values.has(key)) out[key] = get(key);
  }

  const upstreams = get<UnwrapperConfig['upstreams']>('upstreams');
  if (!upstreams) problems.push(`${whereOf('upstreams', values)}: required (or --upstreams)`);
  out.upstreams = upstreams;

  out.assertionKeys = assertionKeys(values, problems);
  const token = adminToken(values, problems);
  if (token !== undefined) out.adminToken = token;

  const tlsParts = ['upstreamCaFile', 'upstreamServername', 'upstreamCertFile', 'upstreamKeyFile'];
  if (get<boolean>('upstreamTls')) {
    if (values.has('upstreamCertFile') !== values.has('upstreamKeyFile')) {
      problems.push(
        `${whereOf('upstreamCertFile', values)} and ${whereOf('upstreamKeyFile', values)}: give both or neither`,
      );
    }
    out.upstreamTls = {
      ca: fileContent(values, 'upstreamCaFile'),
      cert: fileContent(values, 'upstreamCertFile'),
      key: fileContent(values, 'upstreamKeyFile'),
      servername: get<string>('upstreamServername'),
    };
  } else {
    for (const key of tlsParts.filter((k) => values.has(k))) {
      problems.push(
        `${whereOf(key, values)}: needs UNWRAPPER_UPSTREAM_TLS=true (or --upstream-tls)`,
      );
    }
  }

  out.jwt = jwt(values, problems);

  const cert = fileContent(values, 'tlsCertFile');
  const key = fileContent(values, 'tlsKeyFile');
  const clientCa = fileContent(values, 'tlsClientCaFile');
  if (!cert !== !key)
    problems.push(
      `${whereOf('tlsCertFile', values)} and ${whereOf('tlsKeyFile', values)}: give both or neither`,
    );
  if (clientCa && !cert)
    problems.push(`${whereOf('tlsClientCaFile', values)}: needs tlsCertFile and tlsKeyFile`);
  if (cert && key) out.tls = { cert, key, ...(clientCa ? { clientCa } : {}) };

  inspectOptions(values, out, problems);
  return out;
}

/** Options without a default, and the Lumberjack-aware combinations (config/inspect-config.ts). */
function inspectOptions(values: Values, out: Record<string, unknown>, problems: string[]) {
  const optional = [
    'inspectCompressionLevel',
    'inspectHostNameClaim',
    'inspectAgentIdClaim',
    'upstreamGroups',
  ];
  for (const key of optional.filter((k) => values.has(k))) out[key] = values.get(key)!.value;
  try {
    resolveInspect(out as unknown as UnwrapperConfig);
  } catch (error) {
    if (!(error instanceof InspectConfigError)) throw error;
    for (const { key, problem } of error.problems)
      problems.push(`${whereOf(key, values)}: ${problem}`);
  }
}

/** Optional; long enough that it cannot be guessed over the network (openssl rand -hex 32). */
function adminToken(values: Values, problems: string[]): string | undefined {
  const inline = values.get('adminToken');
  const file = values.get('adminTokenFile');
  if (inline && file) {
    problems.push(`${inline.where} and ${file.where}: give one of them, not both`);
    return undefined;
  }
  if (!inline && !file) return undefined;
  const token = inline
    ? String(inline.value).trim()
    : (file!.value as { content: Buffer }).content.toString('utf8').trim();
  if (token.length < 32 || /\s/.test(token)) {
    problems.push(
      `${(inline ?? file)!.where}: expected a token of at least 32 characters without spaces (openssl rand -hex 32)`,
    );
    return undefined;
  }
  return token;
}

function assertionKeys(values: Values, problems: string[]): AssertionKey[] | undefined {
  const inline = values.get('assertionKeys');
  const file = values.get('assertionKeysFile');
  if (inline && file) {
    problems.push(`${inline.where} and ${file.where}: give one of them, not both`);
    return undefined;
  }
  const source = inline ?? file;
  if (!source) {
    problems.push(
      'UNWRAPPER_ASSERTION_KEYS or UNWRAPPER_ASSERTION_KEYS_FILE: required (the edge assertion keys)',
    );
    return undefined;
  }
  const text = inline
    ? String(inline.value)
    : (file!.value as { content: Buffer }).content.toString('utf8');
  try {
    return parseAssertionKeys(text);
  } catch (error) {
    // AssertionKeyError names the key id or position, never the secret; anything else (atob
    // rejecting a malformed secret) gets a generic message, since it cannot name the key.
    problems.push(
      error instanceof AssertionKeyError
        ? `${source.where}: ${error.message}`
        : `${source.where}: expected "kid:base64url-secret[,…]" (a secret is not valid base64url)`,
    );
    return undefined;
  }
}

function jwt(values: Values, problems: string[]): UnwrapperConfig['jwt'] {
  const get = <T>(key: string): T | undefined => values.get(key)?.value as T | undefined;
  const url = get<string>('jwtJwksUrl');
  const file = fileContent(values, 'jwtJwksFile');
  const related = ['jwtIssuer', 'jwtAudience', 'jwtAlgorithms', 'jwtClockToleranceSeconds'];
  if (!url && !file) {
    for (const key of related.filter((k) => values.has(k))) {
      problems.push(`${whereOf(key, values)}: only meaningful with jwtJwksUrl or jwtJwksFile`);
    }
    return undefined;
  }
  if (url && file)
    problems.push(
      `${whereOf('jwtJwksUrl', values)} and ${whereOf('jwtJwksFile', values)}: give one of them`,
    );
  let jwks: JSONWebKeySet | undefined;
  if (file) {
    try {
      jwks = JSON.parse(file.toString('utf8')) as JSONWebKeySet;
      if (!Array.isArray(jwks.keys)) throw new TypeError('no "keys" array');
    } catch {
      problems.push(`${whereOf('jwtJwksFile', values)}: not a JWKS (JSON with a "keys" array)`);
    }
  }
  const issuer = get<string>('jwtIssuer');
  const audience = get<string>('jwtAudience');
  if (!issuer)
    problems.push(`${whereOf('jwtIssuer', values)}: required when the JWT is re-verified`);
  if (!audience)
    problems.push(`${whereOf('jwtAudience', values)}: required when the JWT is re-verified`);
  const algorithms = get<string[]>('jwtAlgorithms') ?? ['ES256', 'EdDSA'];
  const bad = algorithms.filter(
    (alg) => !(ASYMMETRIC_JWS_ALGORITHMS as readonly string[]).includes(alg),
  );
  if (bad.length > 0) {
    problems.push(
      `${whereOf('jwtAlgorithms', values)}: not an accepted asymmetric algorithm: ${bad.join(', ')} (use ${ASYMMETRIC_JWS_ALGORITHMS.join(', ')})`,
    );
  }
  return {
    ...(url ? { jwksUrl: url } : {}),
    ...(jwks ? { jwks } : {}),
    issuer: issuer ?? '',
    audience: audience ?? '',
    algorithms,
    clockToleranceSeconds: get<number>('jwtClockToleranceSeconds') ?? 5,
  };
}
