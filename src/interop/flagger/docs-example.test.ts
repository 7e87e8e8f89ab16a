/*
 * docs/interop.md's Flagger Canary, checked against Flagger's own CRD (v1.44.0): the example is a
 * valid Canary, and Runway answers every hook type the CRD allows.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { parse, parseAllDocuments } from 'yaml';
import { FLAGGER_HOOKS } from './payload.ts';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

interface Crd {
  spec: {
    names: { kind: string };
    versions: { name: string; schema: { openAPIV3Schema: Record<string, unknown> } }[];
  };
}

const canaryCrd = parseAllDocuments(read('test/fixtures/flagger/canary-crd.yaml'))
  .map((d) => d.toJS() as Crd)
  .find((d) => d.spec.names.kind === 'Canary')!;
const schema = canaryCrd.spec.versions.find((v) => v.name === 'v1beta1')!.schema.openAPIV3Schema;

/** The YAML code blocks of the page that hold a `kind: KIND`. */
function examples(kind: string): Record<string, unknown>[] {
  const blocks = [...read('docs/interop.md').matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  return blocks
    .filter((b) => new RegExp(`^kind: ${kind}$`, 'm').test(b))
    .map((b) => parse(b) as Record<string, unknown>);
}

describe('the Flagger example in docs/interop.md', () => {
  it('is a valid Canary by the Flagger CRD', () => {
    const [canary] = examples('Canary');
    assert.ok(canary, 'no Canary example found');
    const validate = new Ajv({ strict: false, allErrors: true, logger: false }).compile(schema);
    assert.ok(validate(canary), JSON.stringify(validate.errors));
  });

  it('uses only hook types Runway answers, and Runway answers every type the CRD lists', () => {
    const at = (node: unknown, ...path: string[]): unknown =>
      path.reduce((n, key) => (n as Record<string, unknown>)[key], node);
    const type = at(
      schema,
      'properties',
      'spec',
      'properties',
      'analysis',
      'properties',
      'webhooks',
      'items',
    );
    const items = { properties: { type: at(type, 'properties', 'type') as { enum: string[] } } };
    const types = (items.properties.type.enum as string[]).filter((t) => t !== '');
    assert.deepEqual([...types].sort(), [...FLAGGER_HOOKS].sort());
    const [canary] = examples('Canary') as {
      spec: { analysis: { webhooks: { type: string; url: string }[] } };
    }[];
    for (const hook of canary!.spec.analysis.webhooks) {
      assert.ok(hook.url.endsWith(`/v1/flagger/${hook.type}`), `${hook.type} calls ${hook.url}`);
    }
  });
});
