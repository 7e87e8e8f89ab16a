import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseImageReference, pinnedImage } from './image-reference.ts';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('image references pinned by digest', () => {
  it('splits the reference people read from the digest that runs', () => {
    assert.deepEqual(parseImageReference(`ghcr.io/acme/checkout-api:1.4.2@${DIGEST}`), {
      type: 'image',
      image: 'ghcr.io/acme/checkout-api:1.4.2',
      digest: DIGEST,
    });
    assert.deepEqual(parseImageReference(`registry.local:5000/shop@${DIGEST}`), {
      type: 'image',
      image: 'registry.local:5000/shop',
      digest: DIGEST,
    });
  });

  it('refuses a tag alone, a short or uppercase digest, and an uppercase repository, saying which', () => {
    assert.match(String(parseImageReference('ghcr.io/acme/shop:1.4.2')), /not pinned by digest/);
    assert.match(String(parseImageReference('shop@sha256:abc')), /64 lowercase hex/);
    assert.match(String(parseImageReference(`shop@${DIGEST.toUpperCase()}`)), /64 lowercase hex/);
    assert.match(String(parseImageReference(`ghcr.io/Acme/shop@${DIGEST}`)), /not a valid repository/);
    assert.match(String(parseImageReference(`shop:1;rm -rf /@${DIGEST}`)), /not a valid repository/);
  });

  it('round-trips: what runs is exactly the reference given', () => {
    const component = fc.stringMatching(/^[a-z0-9]{1,8}([._-][a-z0-9]{1,8})?$/);
    fc.assert(
      fc.property(
        fc.array(component, { minLength: 1, maxLength: 3 }),
        fc.option(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/), { nil: undefined }),
        fc.stringMatching(/^[a-f0-9]{64}$/),
        (path, tag, hex) => {
          const ref = `${path.join('/')}${tag === undefined ? '' : `:${tag}`}@sha256:${hex}`;
          const parsed = parseImageReference(ref);
          assert.notEqual(typeof parsed, 'string', String(parsed));
          assert.equal(pinnedImage(parsed as Exclude<typeof parsed, string>), ref);
        },
      ),
    );
  });
});
