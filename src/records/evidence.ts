/** A typed fact a step records (`coverage.lines=83.2`, `sarif.high=0`). */
export type EvidenceValue = string | number | boolean;
