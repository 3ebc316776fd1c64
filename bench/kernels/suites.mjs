// The kernel suites, in the order they run; `--suite=` takes their names. A new kernel suite is a
// file in this folder exporting one suite object, added to SUITES below: run.mjs, child.mjs and the
// reports then pick it up. A suite is { name, title, throughput: { label, per(case) }, cases(quick),
// makeData(case), contenders, check(case, data, output, contender, prepared), peers, bounds,
// targets(entry, helpers) }; see initializers.mjs for a complete one.
import { initializersSuite } from "./initializers.mjs";
import { constraintsSuite } from "./constraints.mjs";
import { trainingSuite } from "./training.mjs";

export const SUITES = [initializersSuite, constraintsSuite, trainingSuite];
