import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CelPolicy, type PolicyDocument } from '../policy/cel-policy.ts';
import { defaultPolicy } from '../policy/default-policy.ts';
import { OpaHttpPolicy } from '../policy/opa-http.ts';
import type { Policy } from '../policy/policy.ts';
import { PRESETS } from '../../rollout/presets.ts';

/** How a gate names its policy: the built-in `default`, a CEL policy file, or an OPA server. */
export type PolicyRefConfig =
  string | { file: string } | { opa: { url: string; path: string; timeout_ms?: number } };

/** JSON Schema of a policy reference, for `with:` inputs. */
export const POLICY_REF_SCHEMA = {
  description: 'the release policy: "default", {file: policy.yaml}, or {opa: {url, path}}',
  anyOf: [
    { type: 'string', enum: ['default'] },
    {
      type: 'object',
      additionalProperties: false,
      required: ['file'],
      properties: { file: { type: 'string', minLength: 1 } },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['opa'],
      properties: {
        opa: {
          type: 'object',
          additionalProperties: false,
          required: ['url', 'path'],
          properties: {
            url: { type: 'string', pattern: '^https?://' },
            path: { type: 'string', minLength: 1 },
            timeout_ms: { type: 'integer', minimum: 1 },
          },
        },
      },
    },
  ],
} as const;

/** Builds the policy a reference names; a bad file or unknown name is an error that says why. */
export function policyFor(ref: PolicyRefConfig | undefined, root: string): Policy {
  if (ref === undefined || ref === 'default') return defaultPolicy();
  if (typeof ref === 'string')
    throw new Error(`unknown policy "${ref}", expected "default", {file: …} or {opa: …}`);
  if ('file' in ref) {
    const path = resolve(root, ref.file);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      throw new Error(`cannot read policy file ${ref.file}`);
    }
    const doc = parseYaml(text) as PolicyDocument;
    if (!doc || typeof doc !== 'object' || !Array.isArray(doc.deny) || doc.deny.length === 0) {
      throw new Error(`policy file ${ref.file} has no deny rules; a policy that can never deny is refused`);
    }
    const known = Object.keys(PRESETS);
    for (const [i, rule] of (doc.strategy ?? []).entries()) {
      if (!known.includes(String(rule?.use))) {
        throw new Error(
          `policy file ${ref.file}: strategy[${i}].use "${rule?.use}" is not a rollout preset — expected one of: ${known.join(', ')}`,
        );
      }
    }
    if (doc.defaultStrategy !== undefined && !known.includes(doc.defaultStrategy)) {
      throw new Error(
        `policy file ${ref.file}: defaultStrategy "${doc.defaultStrategy}" is not a rollout preset — expected one of: ${known.join(', ')}`,
      );
    }
    return new CelPolicy(doc);
  }
  return new OpaHttpPolicy({
    url: ref.opa.url,
    path: ref.opa.path,
    ...(ref.opa.timeout_ms !== undefined ? { timeoutMs: ref.opa.timeout_ms } : {}),
  });
}
