// Regularizer identifiers (Keras keras/src/regularizers/regularizers.py). This release accepts,
// validates and serializes them; the penalties are computed in a later release.
import { ValueError, show } from "./errors.ts";
import { makeResolver, type ClassSpec } from "./registry.ts";
import type { Config } from "./serialization.ts";

/** Keras `validate_float_arg`: a finite number >= 0 (message as Keras writes it). */
function nonNegativeFactor(config: Config, name: string): void {
  const v = config[name];
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    throw new ValueError(`Invalid value for argument ${name}: expected a non-negative float.Received: ${name}=${show(v)}`);
  }
}

const CLASSES: Record<string, ClassSpec> = {
  L1: { defaults: { l1: 0.01 }, check: (c) => nonNegativeFactor(c, "l1") },
  L2: { defaults: { l2: 0.01 }, check: (c) => nonNegativeFactor(c, "l2") },
  L1L2: { defaults: { l1: 0, l2: 0 }, check: (c) => (nonNegativeFactor(c, "l1"), nonNegativeFactor(c, "l2")) },
  OrthogonalRegularizer: {
    defaults: { factor: 0.01, mode: "rows" },
    check: (c) => {
      nonNegativeFactor(c, "factor");
      if (c["mode"] !== "rows" && c["mode"] !== "columns") {
        throw new ValueError(`Invalid value for argument \`mode\`. Expected one of {"rows", "columns"}. Received: mode=${String(c["mode"])}`);
      }
    },
  },
};

const NAMES: Record<string, string> = {
  L1: "L1", l1: "L1", L2: "L2", l2: "L2", L1L2: "L1L2", l1l2: "L1L2", l1_l2: "L1L2",
  OrthogonalRegularizer: "OrthogonalRegularizer", orthogonal_regularizer: "OrthogonalRegularizer",
  orthogonalRegularizer: "OrthogonalRegularizer",
};

/**
 * Resolves `embeddingsRegularizer` / `activityRegularizer`: a name ('l1', 'l2', 'l1l2', 'l1_l2',
 * 'orthogonal_regularizer', class names), or a config object in either form. 'l1l2' is L1L2(0, 0)
 * as in Keras 3; 'l1_l2' is L1L2(0.01, 0.01) as in Keras 2 (project decision, see README).
 */
export const getRegularizer = makeResolver("regularizer", CLASSES, NAMES, { l1_l2: { l1: 0.01, l2: 0.01 } });
