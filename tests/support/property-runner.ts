// The seeded fast-check runner shared by the property suites (Node only: it reads the environment).
// FC_SEED=<n> overrides a file's seed, FC_PATH=<path> replays one counterexample, FC_RUNS_SCALE=<x>
// scales the number of runs; a failure prints the command that reproduces it.
import * as fc from "fast-check";

export interface PropertyRunner {
  readonly seed: number;
  readonly runsScale: number;
  readonly path: string | undefined;
  /** Cases run so far by counted properties. */
  readonly casesRun: number;
  /** Checks `predicate` on `runs` cases (scaled); throws with the seed and path on failure. */
  run<T>(name: string, arbitrary: fc.Arbitrary<T>, predicate: (t: T) => void, runs: number, counted?: boolean): void;
}

export function propertyRunner(file: string, defaultSeed: number): PropertyRunner {
  const seed = process.env["FC_SEED"] === undefined ? defaultSeed : Number(process.env["FC_SEED"]);
  if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer. Received: ${process.env["FC_SEED"]}`);
  const runsScale = process.env["FC_RUNS_SCALE"] === undefined ? 1 : Number(process.env["FC_RUNS_SCALE"]);
  const path = process.env["FC_PATH"];
  let casesRun = 0;
  return {
    seed,
    runsScale,
    path,
    get casesRun() {
      return casesRun;
    },
    run(name, arbitrary, predicate, runs, counted = true) {
      const numRuns = Math.max(1, Math.round(runs * runsScale));
      if (counted) casesRun += numRuns;
      const details = fc.check(fc.property(arbitrary, predicate), {
        seed,
        numRuns,
        includeErrorInReport: true,
        ...(path === undefined ? {} : { path }),
      });
      if (details.failed) {
        throw new Error(
          `Property "${name}" failed. Reproduce with FC_SEED=${details.seed} FC_PATH="${details.counterexamplePath}" ` +
            `npx tsx tests/${file}\n${fc.defaultReportMessage(details)}`,
        );
      }
    },
  };
}
