// Small timing helpers shared by the contenders: setup times in milliseconds, and costs paid once
// per process (imports, backend initialization) recorded apart from any workload.

/** Milliseconds since `start` (a performance.now() value). */
export const since = (start) => performance.now() - start;

const once = new Map();

/** Records a cost paid once per process (the first record of a label wins). */
export function onceEver(label, ms) {
  if (!once.has(label)) once.set(label, ms);
}

/** The one-time costs recorded so far, as { label: ms }. */
export const oneTimeCosts = () => Object.fromEntries(once);
