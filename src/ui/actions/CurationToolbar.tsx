/** Undo/redo and bulk decisions over the current filter (placeholder: filled in by the curation work). */
export function CurationToolbar() {
  return null;
}
