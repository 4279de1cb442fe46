/** Fixed by default so a run is reproducible; FUZZ_SEED / FUZZ_RUNS change them. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261123);
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 100);
