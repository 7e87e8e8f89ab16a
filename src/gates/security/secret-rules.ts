import { gitleaksRules } from './gitleaks-rules.ts';

/**
 * A secret detector: a regular expression whose `secret` group is the secret, with an optional check that
 * drops look-alikes (low entropy, placeholders). Patterns follow Gitleaks' default rules where one exists.
 */
export interface SecretRule {
  id: string;
  description: string;
  /** The secret is its `secret` group, else group `secretGroup`, else the first group that matched, else the match. */
  pattern: RegExp;
  secretGroup?: number;
  /** Only files whose path (relative, with `/`) matches. */
  path?: RegExp;
  /** Lower-case words, one of which must be in the text (any case) for the rule to run. */
  keywords?: readonly string[];
  /** Minimum Shannon entropy (bits per character) of the secret. */
  minEntropy?: number;
  accept?(secret: string, context: { match: string; line: string; file: string }): boolean;
}

/** Shannon entropy of a string in bits per character. */
export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let entropy = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

const PLACEHOLDER = /^(?:\$\{.*\}|\{\{.*\}\}|<[^>]*>|%\(.*\)s?|\$[A-Z_][A-Z0-9_]*|(?:x+|\*+|\.+|-+))$/i;
const PLACEHOLDER_WORDS =
  /(?:example|placeholder|changeme|change_me|dummy|redacted|your[_-]?(?:token|key|password|secret)|xxxx)/i;
const KEYWORDS = String.raw`(?:passw(?:or)?d|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|client[_-]?secret|credentials?|auth[_-]?key)`;

const ENV_KEYWORDS = String.raw`(?:PASSW(?:OR)?D|PWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CLIENT_?SECRET|CREDENTIALS?|AUTH_?KEY)`;

/**
 * Whether a value assigned to a secret-sounding name looks like a secret: not a placeholder, not a
 * reference that names itself (`secrets.NAME`, `gates.security.secrets_found`), and at least two of
 * lower case, upper case and digits (identifiers and file names such as `signing.key` have one).
 */
function looksLikeSecret(secret: string): boolean {
  if (PLACEHOLDER.test(secret) || PLACEHOLDER_WORDS.test(secret)) return false;
  if (new RegExp(KEYWORDS, 'i').test(secret)) return false;
  return [/[a-z]/, /[A-Z]/, /[0-9]/].filter((re) => re.test(secret)).length >= 2;
}

function isJwt(secret: string): boolean {
  const header = secret.split('.')[0] ?? '';
  try {
    const decoded = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as unknown;
    return typeof decoded === 'object' && decoded !== null && 'alg' in decoded;
  } catch {
    return false;
  }
}

/** Runway's own rules, most specific first; the generic ones last. */
export const RUNWAY_RULES: readonly SecretRule[] = Object.freeze([
  {
    id: 'private-key',
    description: 'private key (PEM)',
    pattern:
      /(?<secret>-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----[\s\S]{64,}?-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----)/g,
    accept: (s) => /[A-Za-z0-9+/]{40,}/.test(s),
  },
  {
    id: 'aws-access-key-id',
    description: 'AWS access key id',
    pattern: /\b(?<secret>(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b/g,
    minEntropy: 3,
    accept: (s) => !s.endsWith('EXAMPLE'),
  },
  {
    id: 'github-token',
    description: 'GitHub token (personal, OAuth, app or refresh)',
    pattern: /\b(?<secret>gh[pousr]_[0-9A-Za-z]{36})\b/g,
    minEntropy: 3,
  },
  {
    id: 'github-fine-grained-token',
    description: 'GitHub fine-grained personal access token',
    pattern: /\b(?<secret>github_pat_[0-9A-Za-z_]{82})\b/g,
    minEntropy: 3,
  },
  {
    id: 'gitlab-token',
    description: 'GitLab personal access token',
    pattern: /\b(?<secret>glpat-[0-9A-Za-z_-]{20})(?![0-9A-Za-z_-])/g,
    minEntropy: 3,
  },
  {
    id: 'npm-token',
    description: 'npm access token',
    pattern: /\b(?<secret>npm_[A-Za-z0-9]{36})\b/g,
    minEntropy: 2,
  },
  {
    id: 'slack-token',
    description: 'Slack token',
    pattern: /\b(?<secret>xox[abposer]-[0-9]{8,13}-[0-9A-Za-z-]{8,}|xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+)/g,
    minEntropy: 2,
  },
  {
    id: 'stripe-live-key',
    description: 'Stripe live secret or restricted key',
    pattern: /\b(?<secret>(?:sk|rk)_live_[0-9A-Za-z]{16,99})\b/g,
    minEntropy: 2,
  },
  {
    id: 'jwt',
    description: 'JSON Web Token',
    pattern: /\b(?<secret>ey[A-Za-z0-9_-]{17,}\.ey[A-Za-z0-9_-]{17,}\.[A-Za-z0-9_-]{10,})/g,
    minEntropy: 3,
    accept: isJwt,
  },
  {
    id: 'generic-secret',
    description: 'secret assigned to a password, secret, token or key',
    pattern: new RegExp(
      String.raw`[\w.-]*${KEYWORDS}[\w.-]*["']?\s*(?::=|=>|=|:)\s*(?<q>["'\x60])(?<secret>[^"'\x60\s]{8,200})\k<q>`,
      'gi',
    ),
    minEntropy: 3,
    accept: looksLikeSecret,
  },
  {
    id: 'generic-secret',
    description: 'secret assigned to a password, secret, token or key',
    pattern: new RegExp(
      String.raw`^[ \t]*(?:export[ \t]+)?[A-Z0-9_]*${ENV_KEYWORDS}[A-Z0-9_]*[ \t]*=[ \t]*(?<secret>[^\s"'\x60#;$(){}]{8,200})[ \t]*$`,
      'gm',
    ),
    minEntropy: 3,
    accept: looksLikeSecret,
  },
]);

/**
 * The rules `scan/secrets` runs, most specific first: Runway's provider rules, then Gitleaks' default
 * rules (about 220 providers), then the generic assignment rules. A later rule never reports a span an
 * earlier one did.
 */
export function secretRules(): readonly SecretRule[] {
  return (rules ??= Object.freeze([
    ...RUNWAY_RULES.filter((r) => r.id !== 'generic-secret'),
    ...gitleaksRules(),
    ...RUNWAY_RULES.filter((r) => r.id === 'generic-secret'),
  ]));
}
let rules: readonly SecretRule[] | undefined;
