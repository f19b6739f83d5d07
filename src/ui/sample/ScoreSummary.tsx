import { useScoreStore } from '../../state/scoreStore';
import { formatScore } from '../table/SampleTable';

const ROWS: [key: 's_a_given_q' | 's_a' | 'ifd' | 'aifd' | 'aifd_gap' | 'dist_consistency' | 'embed_consistency', label: string, hint: string][] = [
  ['s_a_given_q', 's(A|Q)', 'mean cross-entropy of the response given the instruction'],
  ['s_a', 's(A)', 'mean cross-entropy of the response alone'],
  ['ifd', 'IFD', 's(A|Q) / s(A): above 1, the instruction does not help'],
  ['aifd', 'AIFD', "mean s(A|Q') / s(A) over adversarial instructions"],
  ['aifd_gap', 'AIFD − IFD', 'how much the attacks hurt'],
  ['dist_consistency', 'Distribution consistency', "1 − JS/ln 2 between next-token distributions under Q and Q'"],
  ['embed_consistency', 'Output consistency', "cosine of output embeddings under Q and Q'"],
];

/** The selected sample's scores, when it has been scored. */
export function ScoreSummary({ sampleId }: { sampleId: string }) {
  const result = useScoreStore((s) => s.results.get(sampleId));
  if (!result) return null;
  return (
    <section data-testid="score-summary">
      <h3>Scores</h3>
      {result.error && <p className="error-text">{result.error}</p>}
      <table className="score-table">
        <tbody>
          {ROWS.map(([key, label, hint]) => (
            <tr key={key} title={hint}>
              <th>{label}</th>
              <td data-testid={`score-${key}`}>{formatScore(result.scores[key], 4)}</td>
            </tr>
          ))}
          <tr>
            <th>Tokens</th>
            <td>
              {result.imported
                ? 'scores loaded with the file'
                : `${result.tokens.response} response / ${result.tokens.prompted} with prompt`}
              {result.truncated ? ' · truncated' : ''}
            </td>
          </tr>
        </tbody>
      </table>
    </section>
  );
}
