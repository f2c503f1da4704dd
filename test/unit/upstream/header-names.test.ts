// Header names folded as CGI-style origins read them, and the request hygiene that compares them so.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foldHeaderName, isStripped, UNKEYED_REQUEST_HEADERS } from '../../../src/upstream/header-names.js';
import { forwardRequestHeaders } from '../../../src/upstream/headers.js';

const policy = { reserved: new Set(['x-user-id']), keyed: ['x-forwarded-host'] };

test('folding: lower case, "_" as "-"', () => {
  assert.equal(foldHeaderName('X_User_Id'), 'x-user-id');
  assert.equal(foldHeaderName('x-forwarded-host'), 'x-forwarded-host');
  assert.equal(foldHeaderName('TRUE_CLIENT_IP'), 'true-client-ip');
  for (const name of UNKEYED_REQUEST_HEADERS) assert.equal(foldHeaderName(name), name, 'the set holds folded names');
});

test('isStripped: reserved and unkeyed names in any spelling; a keyed one only in its own', () => {
  const stripped = (name: string) => isStripped(name, foldHeaderName(name), policy);
  for (const name of ['x_user_id', 'x-user-id', 'x_forwarded_for', 'x-forwarded-proto', 'host', 'x-real-ip', 'x_real_ip', 'front-end-https',
    'x-forwarded-ssl', 'x-forwarded-scheme', 'true-client-ip', 'x_forwarded_host', 'x-http-method-override']) {
    assert.equal(stripped(name), true, name);
  }
  for (const name of ['x-forwarded-host', 'accept', 'x_custom', 'cookie', 'authorization']) assert.equal(stripped(name), false, name);
});

test('forwardRequestHeaders: folded removal, Connection-named headers in any spelling, Bouncer\'s own values', () => {
  const out = forwardRequestHeaders(
    { accept: '*/*', x_user_id: 'admin', 'x-forwarded-host': 'a.example', x_forwarded_host: 'evil', connection: 'x-drop', x_drop: '1', x_forwarded_for: '6.6.6.6', 'x-real-ip': '6.6.6.6' },
    { ...policy, identity: [['x-user-id', 'u1']], host: 'origin:80', clientAddress: '10.0.0.1', secure: false, forCache: true },
  );
  assert.deepEqual(out, { accept: '*/*', 'x-forwarded-host': 'a.example', host: 'origin:80', 'x-forwarded-for': '10.0.0.1', 'x-forwarded-proto': 'http', 'x-user-id': 'u1' });
});
