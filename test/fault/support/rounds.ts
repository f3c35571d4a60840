// How many times the soak repeats each fault scenario: NHI_FAULT_ROUNDS (default 3).
export function faultRounds(): number[] {
  const raw = process.env.NHI_FAULT_ROUNDS ?? '3';
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`NHI_FAULT_ROUNDS must be a whole number ≥ 1, got "${raw}"`);
  return Array.from({ length: n }, (_, i) => i + 1);
}
