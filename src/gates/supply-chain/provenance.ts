import { jsonErrorReason } from '../../engine/json-error.ts';
/** in-toto Statement v1 (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md). */
export const STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
/** in-toto Statement v0.1, still written by slsa-github-generator and cosign. */
export const STATEMENT_V01 = 'https://in-toto.io/Statement/v0.1';
/** SLSA Provenance v1 (https://slsa.dev/spec/v1.0/provenance). */
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
/** The buildType of provenance Runway writes: a pipeline run. */
export const RUNWAY_BUILD_TYPE = 'https://runway.dev/buildtypes/pipeline/v1';
/** The builder id Runway writes unless told otherwise. */
export const RUNWAY_BUILDER_ID = 'runway';
/** SLSA build levels. */
export const SLSA_LEVELS = [1, 2, 3] as const;
export type SlsaLevel = (typeof SLSA_LEVELS)[number];

/** An artifact an attestation is about, or a material it was built from (an in-toto ResourceDescriptor). */
export interface ResourceDescriptor {
  name?: string;
  uri?: string;
  digest: Record<string, string>;
}

/** An in-toto statement whose predicate is not looked into yet. */
export interface Statement {
  _type: string;
  subject: ResourceDescriptor[];
  predicateType: string;
  predicate: Record<string, unknown>;
}

/** What Runway's provenance says, read back from a statement. */
export interface Provenance {
  buildType: string;
  builderId: string;
  externalParameters: Record<string, unknown>;
  internalParameters: Record<string, unknown>;
  resolvedDependencies: ResourceDescriptor[];
  /** The SLSA build level the builder recorded, when it is a Runway builder. */
  slsaLevel?: SlsaLevel;
}

/** A statement that is not what a verifier expects; the message names the field. */
export class StatementError extends Error {
  override name = 'StatementError';
}

/** What goes into one provenance statement. */
export interface ProvenanceInput {
  subject: ResourceDescriptor;
  builderId: string;
  slsaLevel: SlsaLevel;
  externalParameters: Record<string, unknown>;
  resolvedDependencies: ResourceDescriptor[];
  invocationId: string;
  startedOn?: string;
  finishedOn: string;
}

/** An in-toto v1 statement with a SLSA v1 provenance predicate for one subject. */
export function buildProvenance(input: ProvenanceInput): Statement {
  return {
    _type: STATEMENT_V1,
    subject: [input.subject],
    predicateType: SLSA_PROVENANCE_V1,
    predicate: {
      buildDefinition: {
        buildType: RUNWAY_BUILD_TYPE,
        externalParameters: input.externalParameters,
        internalParameters: { slsaBuildLevel: input.slsaLevel },
        resolvedDependencies: input.resolvedDependencies,
      },
      runDetails: {
        builder: { id: input.builderId },
        metadata: {
          invocationId: input.invocationId,
          ...(input.startedOn ? { startedOn: input.startedOn } : {}),
          finishedOn: input.finishedOn,
        },
      },
    },
  };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses a statement's bytes and checks its shape (type, subjects with digests, predicate). */
export function parseStatement(bytes: Uint8Array): Statement {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new StatementError(`the payload is not JSON (${jsonErrorReason(error)})`);
  }
  if (!isObject(doc)) throw new StatementError('the payload is not an in-toto statement');
  const type = doc['_type'];
  if (type !== STATEMENT_V1 && type !== STATEMENT_V01)
    throw new StatementError(`_type is ${JSON.stringify(type)}, expected "${STATEMENT_V1}"`);
  const subject = doc['subject'];
  if (!Array.isArray(subject) || subject.length === 0)
    throw new StatementError('subject is missing or empty');
  subject.forEach((s: unknown, i) => {
    if (!isObject(s) || !isObject(s['digest']) || Object.keys(s['digest']).length === 0)
      throw new StatementError(`subject[${i}].digest is missing`);
    if (!Object.values(s['digest']).every((v) => typeof v === 'string'))
      throw new StatementError(`subject[${i}].digest has a value that is not a string`);
  });
  if (typeof doc['predicateType'] !== 'string') throw new StatementError('predicateType is missing');
  if (!isObject(doc['predicate'])) throw new StatementError('predicate is missing');
  return doc as unknown as Statement;
}

/** Reads a SLSA v1 provenance predicate; throws `StatementError` naming the first missing field. */
export function readProvenance(statement: Statement): Provenance {
  if (statement.predicateType !== SLSA_PROVENANCE_V1)
    throw new StatementError(
      `predicateType is ${JSON.stringify(statement.predicateType)}, expected "${SLSA_PROVENANCE_V1}"`,
    );
  const definition = statement.predicate['buildDefinition'];
  const details = statement.predicate['runDetails'];
  if (!isObject(definition)) throw new StatementError('predicate.buildDefinition is missing');
  if (!isObject(details)) throw new StatementError('predicate.runDetails is missing');
  if (typeof definition['buildType'] !== 'string')
    throw new StatementError('predicate.buildDefinition.buildType is missing');
  if (!isObject(definition['externalParameters']))
    throw new StatementError('predicate.buildDefinition.externalParameters is missing');
  const builder = details['builder'];
  if (!isObject(builder) || typeof builder['id'] !== 'string')
    throw new StatementError('predicate.runDetails.builder.id is missing');
  const internal = isObject(definition['internalParameters']) ? definition['internalParameters'] : {};
  const dependencies = definition['resolvedDependencies'];
  const level = internal['slsaBuildLevel'];
  return {
    buildType: definition['buildType'],
    builderId: builder['id'],
    externalParameters: definition['externalParameters'],
    internalParameters: internal,
    resolvedDependencies: Array.isArray(dependencies) ? (dependencies as ResourceDescriptor[]) : [],
    ...(definition['buildType'] === RUNWAY_BUILD_TYPE && SLSA_LEVELS.includes(level as SlsaLevel)
      ? { slsaLevel: level as SlsaLevel }
      : {}),
  };
}
