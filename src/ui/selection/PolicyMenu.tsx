/** Selection policies that propose decisions (placeholder: filled in by the selection work). */
export function PolicyMenu() {
  return null;
}
