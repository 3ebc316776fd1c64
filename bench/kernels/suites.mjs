// The kernel suites, in the order they run; `--suite=` takes their names (plus "lookup", which is
// bench/index.mjs' own). A suite is { name, title, throughput, cases(quick), makeData(case),
// contenders, check(case, data, output, contender, prepared), peers, bounds, targets(...) }.
import { initializersSuite } from "./initializers.mjs";
import { constraintsSuite } from "./constraints.mjs";
import { trainingSuite } from "./training.mjs";

export const SUITES = [initializersSuite, constraintsSuite, trainingSuite];
