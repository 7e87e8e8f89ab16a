/** Deployment records live in `src/records/` (a leaf the store imports); re-exported for callers here. */
export type {
  AnalysisReport,
  DelegateSpec,
  EnvironmentRecord,
  ReleaseSpec,
  RolloutCommandRecord,
  RolloutRecord,
  SentCommand,
} from '../records/deployments.ts';
