/** Reads an integer flag of a bench script, or exits 2 saying what was expected. */
export function intFlag(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`--${name} must be an integer in ${min}..${max}, got "${value}"`);
    process.exit(2);
  }
  return n;
}
