/*
 * The seeds' alert rules as Prometheus rule groups, over the metrics Runway exposes: the pipeline
 * group (DawsOS's PipelineFailureRate and CanaryRollback) and the service group (CompanyOS's alert
 * table). Alerts whose table action is auto-rollback carry `action: rollback`, which the control
 * plane's Alertmanager webhook acts on by aborting the service's rollout in flight.
 */

/** One alerting rule as a Prometheus rule file spells it. */
export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** A named group of rules. */
export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

/** The `action` label value that makes the control plane roll back the alert's service. */
export const ROLLBACK_ACTION = 'rollback';

/** Alert names that roll back even without an `action` label: the seeds' auto-rollback rows. */
export const ROLLBACK_ALERTS = ['ErrorRateCritical', 'CanaryHealthFailing'] as const;

const errorRatio = (window: string) =>
  `sum by (service, environment) (rate(http_requests_total{code=~"5.."}[${window}]))\n` +
  `  / sum by (service, environment) (rate(http_requests_total[${window}]))`;

/** The seeds' rule groups. */
export function seedRuleGroups(): RuleGroup[] {
  return [
    {
      name: 'runway-pipeline',
      rules: [
        {
          alert: 'PipelineFailureRate',
          expr:
            'sum(rate(ci_pipeline_runs_total{result="failure"}[1h]))\n' +
            '  / sum(rate(ci_pipeline_runs_total[1h])) > 0.1',
          for: '5m',
          labels: { severity: 'warning' },
          annotations: { summary: 'CI/CD pipeline failure rate > 10%' },
        },
        {
          alert: 'CanaryRollback',
          expr: 'increase(canary_rollbacks_total[5m]) > 0',
          labels: { severity: 'critical' },
          annotations: {
            summary: 'Canary deployment rolled back',
            description: 'See `runway rollout status {{ $labels.service }} --env production` for the reason',
          },
        },
      ],
    },
    {
      name: 'runway-service',
      rules: [
        {
          alert: 'ErrorRateSpike',
          expr: `${errorRatio('5m')} > 0.02`,
          for: '2m',
          labels: { severity: 'warning', action: 'investigate' },
          annotations: { summary: 'Error rate of {{ $labels.service }} above 2% for 2m' },
        },
        {
          alert: 'ErrorRateCritical',
          expr: `${errorRatio('1m')} > 0.05`,
          for: '1m',
          labels: { severity: 'critical', action: ROLLBACK_ACTION },
          annotations: { summary: 'Error rate of {{ $labels.service }} above 5% for 1m: rolling back' },
        },
        {
          alert: 'LatencySpike',
          expr:
            'histogram_quantile(0.95,\n' +
            '  sum by (service, environment, le) (rate(http_request_duration_seconds_bucket[5m]))) > 0.5',
          for: '3m',
          labels: { severity: 'warning', action: 'investigate' },
          annotations: { summary: 'p95 latency of {{ $labels.service }} above 500ms for 3m' },
        },
        {
          alert: 'CanaryHealthFailing',
          expr: 'max by (service, environment) (runway_rollout_health_failures) >= 3',
          labels: { severity: 'critical', action: ROLLBACK_ACTION },
          annotations: {
            summary: 'Canary of {{ $labels.service }} failed 3 health checks in a row: rolling back',
          },
        },
      ],
    },
  ];
}
