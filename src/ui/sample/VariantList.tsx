/** The adversarial variants of a sample beside the original, with diffs (placeholder). */
export function VariantList(_props: { sampleId: string }) {
  return null;
}
