// Constraint identifiers (Keras keras/src/constraints/constraints.py). This release accepts,
// validates and serializes them; the constraint kernels come in a later release.
import { ValueError, show } from "./errors.ts";
import { makeResolver, type ClassSpec } from "./registry.ts";
import type { Config } from "./serialization.ts";

function finite(config: Config, name: string): void {
  const v = config[name];
  if (typeof v !== "number" || !Number.isFinite(v)) throw new ValueError(`${name} must be a finite number. Received: ${name}=${show(v)}`);
}

function axis(config: Config): void {
  const v = config["axis"];
  if (v !== 0 && v !== 1 && v !== -1) {
    throw new ValueError(`axis must be 0, 1 or -1 for a 2-D embedding table. Received: axis=${show(v)}`);
  }
}

const CLASSES: Record<string, ClassSpec> = {
  MaxNorm: { defaults: { maxValue: 2, axis: 0 }, check: (c) => (finite(c, "maxValue"), axis(c)) },
  NonNeg: { defaults: {}, check: () => {} },
  UnitNorm: { defaults: { axis: 0 }, check: axis },
  MinMaxNorm: {
    defaults: { minValue: 0, maxValue: 1, rate: 1, axis: 0 },
    check: (c) => (finite(c, "minValue"), finite(c, "maxValue"), finite(c, "rate"), axis(c)),
  },
};

const NAMES: Record<string, string> = {
  MaxNorm: "MaxNorm", max_norm: "MaxNorm", maxNorm: "MaxNorm",
  NonNeg: "NonNeg", non_neg: "NonNeg", nonNeg: "NonNeg",
  UnitNorm: "UnitNorm", unit_norm: "UnitNorm", unitNorm: "UnitNorm",
  MinMaxNorm: "MinMaxNorm", min_max_norm: "MinMaxNorm", minMaxNorm: "MinMaxNorm",
};

/** Resolves `embeddingsConstraint`: a name (Keras or TF.js form) or a config object in either form. */
export const getConstraint = makeResolver("constraint", CLASSES, NAMES);
