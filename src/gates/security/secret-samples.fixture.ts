import { createHash } from 'node:crypto';

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const ALNUM = `${UPPER}abcdefghijklmnopqrstuvwxyz0123456789`;
/** A random-looking string, the same every run; secrets are built here so none sits in the source. */
export function fake(seed: string, length: number, alphabet = ALNUM): string {
  let bytes = Buffer.alloc(0);
  for (let i = 0; bytes.length < length; i++)
    bytes = Buffer.concat([bytes, createHash('sha512').update(`${seed}:${i}`).digest()]);
  return [...bytes.subarray(0, length)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** One sample of each secret kind, built at run time so that no secret sits in the source. */
export const SAMPLES = {
  aws: `AKIA${fake('aws', 16, `${UPPER}234567`)}`,
  github: `ghp_${fake('gh', 36)}`,
  githubFine: `github_pat_${fake('ghf', 82)}`,
  slack: `xoxb-${fake('s1', 11, '0123456789')}-${fake('s2', 12, '0123456789')}-${fake('s3', 24)}`,
  stripe: `sk_live_${fake('stripe', 24)}`,
  jwt: [
    Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url'),
    Buffer.from('{"sub":"1234567890","name":"John Doe","iat":1516239022}').toString('base64url'),
    fake('sig', 43, `${ALNUM}-_`),
  ].join('.'),
  password: fake('pw', 20, `${ALNUM}!#%`),
};
