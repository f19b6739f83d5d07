/** Global keyboard bindings and the `?` shortcuts overlay (placeholder: filled in by the curation work). */
export function KeyboardLayer() {
  return null;
}
