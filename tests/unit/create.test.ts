// Embedding.create: the constructor's layer, built in steps that yield to the event loop, with
// progress and cancellation.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Embedding, GlorotNormal, Orthogonal, RandomUniform } from "../../src/index.ts";
import { liveMemoryCount } from "../../src/core/memory.ts";
import { assertSameFloats } from "../support/helpers.ts";

const table = (layer: Embedding) => layer.getWeights()[0]!.data;

test("the same table as the constructor, for drawn, orthogonal and given weights", async () => {
  const cases = [
    { inputDim: 3000, outputDim: 1000, embeddingsInitializer: new RandomUniform({ seed: 7 }) }, // 3M values: several pieces
    { inputDim: 700, outputDim: 96, embeddingsInitializer: new Orthogonal({ seed: 11, gain: 2 }) },
    { inputDim: 40, outputDim: 300, embeddingsInitializer: new Orthogonal({ seed: 5 }) }, // rows < cols: transposed
    { inputDim: 50, outputDim: 8, embeddingsInitializer: new GlorotNormal({ seed: 2 }) },
    { inputDim: 2, outputDim: 2, weights: [[[1, 2], [3, 4]]] },
  ];
  for (const options of cases) {
    const created = await Embedding.create(options);
    assertSameFloats(table(created), table(new Embedding(options)), `${options.inputDim} × ${options.outputDim}`);
  }
});

test("progress never decreases and ends at 1; the event loop runs between steps", async () => {
  const fractions: number[] = [];
  let turns = 0;
  let stop = false;
  const tick = () => {
    turns++;
    if (!stop) setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  await Embedding.create({ inputDim: 3000, outputDim: 200, embeddingsInitializer: new Orthogonal({ seed: 1 }) }, { onProgress: (f) => fractions.push(f) });
  stop = true;
  assert.ok(fractions.length >= 5, `${fractions.length} progress calls`);
  assert.is(fractions.at(-1), 1);
  for (let i = 1; i < fractions.length; i++) assert.ok(fractions[i]! >= fractions[i - 1]!, `progress went back at ${i}`);
  assert.ok(fractions.slice(0, -1).every((f) => f >= 0 && f < 1));
  assert.ok(turns >= 3, `the event loop ran ${turns} times during creation`);
});

test("abort midway rejects with AbortError and frees the memory; an aborted signal refuses at once", async () => {
  await Embedding.create({ inputDim: 4, outputDim: 4 }); // the kernel and probe are compiled before counting
  const before = liveMemoryCount();
  const controller = new AbortController();
  let error: unknown;
  try {
    await Embedding.create(
      { inputDim: 3000, outputDim: 200, embeddingsInitializer: new Orthogonal({ seed: 1 }) },
      { onProgress: (f) => f > 0.2 && controller.abort(), signal: controller.signal },
    );
  } catch (e) {
    error = e;
  }
  assert.is((error as Error)?.name, "AbortError");
  // Released, not left for the garbage collector (which may meanwhile collect other tests' layers).
  assert.ok(liveMemoryCount() <= before, `the aborted layer's memory is released (${liveMemoryCount()} live, ${before} before)`);
  error = undefined;
  try {
    await Embedding.create({ inputDim: 4, outputDim: 4 }, { signal: controller.signal });
  } catch (e) {
    error = e;
  }
  assert.is((error as Error)?.name, "AbortError");
  assert.ok(liveMemoryCount() <= before);
});

test("bad options are the constructor's errors; bad onProgress / signal are named", async () => {
  let message = "";
  try {
    await Embedding.create({ inputDim: 0, outputDim: 4 });
  } catch (e) {
    message = (e as Error).message;
  }
  assert.match(message, /inputDim must be a positive integer/);
  try {
    await Embedding.create({ inputDim: 2, outputDim: 4 }, { onProgress: 5 as never });
  } catch (e) {
    message = (e as Error).message;
  }
  assert.match(message, /onProgress must be a function/);
});

test.run();
