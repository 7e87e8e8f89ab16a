import assert from 'node:assert/strict';
import { test } from 'node:test';
import { handle } from '../server.js';

test('health answers 200', () => {
  assert.equal(handle('GET', '/health').status, 200);
});

test('the root names the service', () => {
  assert.deepEqual(handle('GET', '/').body, { service: '__NAME__' });
});

test('an unknown route is 404', () => {
  assert.equal(handle('POST', '/nope').status, 404);
});
