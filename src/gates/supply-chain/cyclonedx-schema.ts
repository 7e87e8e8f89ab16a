/** The CycloneDX version Runway writes. */
export const CYCLONEDX_VERSION = '1.6';

/**
 * Checks a CycloneDX JSON document against the official strict JSON schema of its version (the schemas
 * `@cyclonedx/cyclonedx-library` ships); returns one line per problem, `[]` when it is valid.
 *
 * @example await cycloneDxProblems(bom) // ['/components/0: must NOT have additional properties (foo)']
 */
export async function cycloneDxProblems(
  bom: unknown,
  version: string = CYCLONEDX_VERSION,
): Promise<string[]> {
  const { Spec, Validation } = await import('@cyclonedx/cyclonedx-library'); // on first use, not at start-up
  const spec = Object.values(Spec.Version).find((v) => v === version);
  if (spec === undefined) return [`CycloneDX ${version} is not a version the schema library knows`];
  const errors = await new Validation.JsonStrictValidator(spec).validate(JSON.stringify(bom));
  if (errors === null) return [];
  return (errors as { instancePath?: string; message?: string; params?: Record<string, unknown> }[]).map(
    (e) =>
      `${e.instancePath || '/'}: ${e.message ?? 'invalid'}${
        e.params?.['additionalProperty'] !== undefined ? ` (${String(e.params['additionalProperty'])})` : ''
      }`,
  );
}
