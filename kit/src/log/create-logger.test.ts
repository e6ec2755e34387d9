import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from './create-logger.ts';
import { createLogCapture } from './log-capture.ts';

describe('createLogger', () => {
  it('writes the service, an ISO time, the level as its label and the event', () => {
    const { logger, lines } = createLogCapture({ service: 'beats-gate-test' });
    logger.info({ event: 'listening', port: 5044 });
    const [line] = lines;
    assert.equal(line?.service, 'beats-gate-test');
    assert.equal(line?.level, 'info');
    assert.equal(line?.event, 'listening');
    assert.equal(line?.port, 5044);
    assert.match(String(line?.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('puts the context of a child logger on each of its lines', () => {
    const { logger, lines } = createLogCapture();
    const connection = logger.child({ connectionId: 'c-1', subject: 'device-7' });
    connection.info({ event: 'tunnel_opened' });
    connection.warn({ event: 'tunnel_closed', closeCode: 1011 });
    assert.deepEqual(
      lines.map(({ event, connectionId, subject, level }) => [event, connectionId, subject, level]),
      [
        ['tunnel_opened', 'c-1', 'device-7', 'info'],
        ['tunnel_closed', 'c-1', 'device-7', 'warn'],
      ],
    );
  });

  it('censors tokens, secrets and header maps, also one object down', () => {
    const { logger, raw } = createLogCapture();
    logger.info({
      event: 'oops',
      token: 'eyJ.secret.1',
      headers: { authorization: 'Bearer eyJ.secret.2' },
      source: { clientSecret: 'secret-3', assertion: 'secret-4', kind: 'oauth' },
      authorization: 'Bearer secret-5',
    });
    const text = raw.join('\n');
    for (const secret of ['secret.1', 'secret.2', 'secret-3', 'secret-4', 'secret-5']) {
      assert.ok(!text.includes(secret), `${secret} was logged`);
    }
    assert.ok(text.includes('"kind":"oauth"'), 'the rest of the object is kept');
  });

  it('refuses an unknown level, naming the option', () => {
    assert.throws(() => createLogger({ service: 'x', level: 'verbose' }), {
      name: 'RangeError',
      message:
        /^level must be one of trace, debug, info, warn, error, fatal, silent, got "verbose"$/,
    });
  });

  it('is captured only with an event name, the rule every line follows', () => {
    const { logger } = createLogCapture();
    assert.throws(() => logger.info('no event here'), /^Error: log line without an event: /);
  });

  it('drops lines below its level', () => {
    const { logger, lines } = createLogCapture({ level: 'warn' });
    logger.info({ event: 'quiet' });
    logger.warn({ event: 'loud' });
    assert.deepEqual(
      lines.map((line) => line.event),
      ['loud'],
    );
  });
});
