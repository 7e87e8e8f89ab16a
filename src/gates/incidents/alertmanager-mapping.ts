import { SEVERITIES } from './incident.ts';
import type { Severity } from './incident.ts';

/** How alert labels and annotations become an incident's service, severity and title. */
export interface AlertmanagerMapping {
  /** Labels naming the service, first non-empty wins. */
  readonly serviceLabels: readonly string[];
  /** Service of alerts that carry none of `serviceLabels` (e.g. a webhook URL per service); without it they are errors. */
  readonly defaultService?: string;
  /** Labels carrying the severity, first non-empty wins. */
  readonly severityLabels: readonly string[];
  /** Severity label values (lowercase) to incident severities. */
  readonly severities: Readonly<Record<string, Severity>>;
  /** Severity of alerts whose severity is missing or not in `severities`. */
  readonly unknownSeverity: Severity;
  /** Annotations used as the title, first non-empty wins; then the `alertname` label. */
  readonly titleAnnotations: readonly string[];
}

/** The mapping used unless configured: `service` then `job`, critical/page → P1, warning → P2, info → P4. */
export const DEFAULT_ALERTMANAGER_MAPPING: AlertmanagerMapping = deepFreeze({
  serviceLabels: ['service', 'job'],
  severityLabels: ['severity'],
  severities: {
    critical: 'P1',
    page: 'P1',
    warning: 'P2',
    info: 'P4',
    p1: 'P1',
    p2: 'P2',
    p3: 'P3',
    p4: 'P4',
  },
  unknownSeverity: 'P3',
  titleAnnotations: ['summary'],
});

/**
 * Validates a mapping once, filling what is not given from the default; `severities` entries are
 * added to the default ones.
 * @example alertmanagerMapping({ defaultService: 'checkout-api', severities: { sev1: 'P1' } })
 */
export function alertmanagerMapping(config: Partial<AlertmanagerMapping> = {}): AlertmanagerMapping {
  const base = DEFAULT_ALERTMANAGER_MAPPING;
  const severities: Record<string, Severity> = { ...base.severities };
  for (const [value, severity] of Object.entries(config.severities ?? {})) {
    severities[value.toLowerCase()] = checkSeverity(severity, `severities.${value}`);
  }
  const mapping: AlertmanagerMapping = {
    serviceLabels: checkNames(config.serviceLabels ?? base.serviceLabels, 'serviceLabels'),
    severityLabels: checkNames(config.severityLabels ?? base.severityLabels, 'severityLabels'),
    severities,
    unknownSeverity: checkSeverity(config.unknownSeverity ?? base.unknownSeverity, 'unknownSeverity'),
    titleAnnotations: checkNames(config.titleAnnotations ?? base.titleAnnotations, 'titleAnnotations'),
  };
  if (config.defaultService !== undefined) {
    if (typeof config.defaultService !== 'string' || config.defaultService === '') {
      throw new Error(
        `invalid defaultService ${JSON.stringify(config.defaultService)}, expected a service name`,
      );
    }
    return deepFreeze({ ...mapping, defaultService: config.defaultService });
  }
  return deepFreeze(mapping);
}

function checkNames(names: readonly string[], field: string): readonly string[] {
  if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string' && n !== '')) {
    throw new Error(`invalid ${field} ${JSON.stringify(names)}, expected a non-empty list of names`);
  }
  return [...names];
}

function checkSeverity(severity: Severity, field: string): Severity {
  if (!SEVERITIES.includes(severity)) {
    throw new Error(`invalid ${field} ${JSON.stringify(severity)}, expected one of ${SEVERITIES.join(', ')}`);
  }
  return severity;
}

function deepFreeze<T extends object>(value: T): T {
  for (const item of Object.values(value)) if (typeof item === 'object' && item !== null) Object.freeze(item);
  return Object.freeze(value);
}
