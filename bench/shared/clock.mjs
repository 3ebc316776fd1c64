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

/** The median per label of the one-time costs several processes paid (each pays them again). */
export function medianCosts(perProcess) {
  const byLabel = new Map();
  for (const costs of perProcess) for (const [label, ms] of Object.entries(costs)) byLabel.set(label, [...(byLabel.get(label) ?? []), ms]);
  return Object.fromEntries([...byLabel].map(([label, values]) => [label, values.sort((a, b) => a - b)[values.length >> 1]]));
}
