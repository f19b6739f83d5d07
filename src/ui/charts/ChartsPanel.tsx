/** Score charts linked to the table (placeholder: filled in by the charts work). */
export function ChartsPanel() {
  return null;
}
