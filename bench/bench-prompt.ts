/** The benchmark's prompt: `length` deterministic token ids, the same for every implementation measured. */
export function benchPrompt(length: number): number[] {
  return Array.from({ length }, (_, i) => 100 + ((i * 37) % 20000));
}
