/**
 * Fraction of requests an SLO lets fail, rounded so decimal objectives stay exact.
 * @example errorBudgetFraction(99.9) // 0.001
 */
export function errorBudgetFraction(objective: number): number {
  return Number(((100 - objective) / 100).toPrecision(12));
}

/**
 * How fast errors spend the budget: 1 spends it exactly over the SLO window.
 * @example burnRate(0.02, 99.9) // 20
 */
export function burnRate(errorRatio: number, objective: number): number {
  return errorRatio / errorBudgetFraction(objective);
}

/**
 * Percent of the error budget left, 100 × (1 − errorRatio / (1 − objective)); negative when overspent.
 * @example errorBudgetRemaining(0.0005, 99.9) // 50
 */
export function errorBudgetRemaining(errorRatio: number, objective: number): number {
  return 100 * (1 - burnRate(errorRatio, objective));
}
