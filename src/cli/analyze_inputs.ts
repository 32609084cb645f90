/** Runs the image pipeline over a command's inputs with the analyzer's workers. */
import type { AnalyzedImage, AnalyzeOptions } from "../pipeline/analyze.ts";
import { type Analyzer, mapOrdered, type Outcome } from "../pipeline/worker_pool.ts";
import { type Input, readInput } from "./inputs.ts";

/**
 * Reads and analyses every input, two per worker in flight, and yields each outcome in input
 * order (an unreadable or undecodable input is an `ok: false` outcome; the rest go on).
 *
 * @example
 * for await (const o of analyzeInputs(analyzer, inputs, { ...imageOptions(options, "all"), keepChips: false })) {
 *   if (o.ok) console.log(o.value.faces.length);
 * }
 */
export function analyzeInputs(
  analyzer: Analyzer,
  inputs: Iterable<Input> | AsyncIterable<Input>,
  options: AnalyzeOptions,
): AsyncGenerator<Outcome<Input, AnalyzedImage>> {
  return mapOrdered(
    inputs,
    2 * analyzer.jobs,
    async (input) => analyzer.analyze(await readInput(input), options),
  );
}
