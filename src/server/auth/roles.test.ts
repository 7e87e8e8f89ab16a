import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ACTIONS, refusal, ROLES, type Caller } from './roles.ts';

const name = fc.constantFrom('shop', 'billing', 'web');
const env = fc.constantFrom('staging', 'production');
const caller = fc.record({
  id: fc.constant('tok_1'),
  name: fc.constant('t'),
  role: fc.constantFrom(...ROLES),
  services: fc.uniqueArray(name, { maxLength: 2 }),
  environments: fc.uniqueArray(env, { maxLength: 1 }),
});
const scope = fc.record({ service: name, environment: env }, { requiredKeys: [] });

test('an unscoped admin may do everything', () => {
  fc.assert(
    fc.property(fc.constantFrom(...ACTIONS), scope, (action, s) => {
      const admin: Caller = { id: 'a', name: 'a', role: 'admin', services: [], environments: [] };
      assert.equal(refusal(admin, action, s), undefined);
    }),
  );
});

test('a viewer may only read', () => {
  fc.assert(
    fc.property(caller, fc.constantFrom(...ACTIONS), scope, (c, action, s) => {
      const why = refusal({ ...c, role: 'viewer' }, action, s);
      if (action !== 'read') assert.match(why ?? '', /has role viewer; .* needs/);
    }),
  );
});

test('a scoped token never acts outside its scope, nor on what names no service', () => {
  fc.assert(
    fc.property(caller, fc.constantFrom(...ACTIONS), scope, (c, action, s) => {
      const why = refusal(c, action, s);
      if (why !== undefined) return;
      if (s.service !== undefined && c.services.length > 0) assert.ok(c.services.includes(s.service));
      if (s.environment !== undefined && c.environments.length > 0)
        assert.ok(c.environments.includes(s.environment));
      const scoped = c.services.length + c.environments.length > 0;
      if (scoped && action !== 'read') assert.ok(s.service !== undefined || s.environment !== undefined);
    }),
  );
});

test('a refusal names the roles the action needs', () => {
  const viewer: Caller = { id: 'v', name: 'viewer', role: 'viewer', services: [], environments: [] };
  assert.equal(refusal(viewer, 'fault', {}), 'token "viewer" has role viewer; fault needs role admin');
  assert.equal(
    refusal(viewer, 'approve', {}),
    'token "viewer" has role viewer; approve needs one of the roles approver, admin',
  );
});
