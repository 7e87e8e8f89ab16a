import type { Action } from './action.ts';
import { approval } from './approval/approval.ts';
import { commitlint } from './commitlint/commitlint.ts';
import { evidence } from './evidence/evidence.ts';
import { gateCoverage } from './gate-coverage/gate-coverage.ts';
import { gateRelease } from './gate-release/gate-release.ts';
import { gateSarif } from './gate-sarif/gate-sarif.ts';
import { gateTests } from './gate-tests/gate-tests.ts';

/** Every built-in action by its `uses:` name. */
export const ACTIONS: ReadonlyMap<string, Action> = new Map(
  [approval, commitlint, evidence, gateCoverage, gateRelease, gateSarif, gateTests].map((a) => [a.name, a]),
);

/** The action named `name`, or an error that lists the valid names. */
export function getAction(name: string): Action {
  const action = ACTIONS.get(name);
  if (!action)
    throw new Error(`unknown action "${name}", expected one of: ${[...ACTIONS.keys()].join(', ')}`);
  return action;
}
