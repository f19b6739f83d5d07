import { useState } from 'react';
import type { RawRecord } from '../../core/types';
import { cancelLoad, loadFile } from '../../state/sessionController';

function preview(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text === undefined ? '' : text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** Guess a sensible default: the first column whose name suggests the role. */
function guess(columns: string[], hints: string[], fallback: number): string {
  return columns.find((c) => hints.some((h) => c.toLowerCase().includes(h))) ?? columns[Math.min(fallback, columns.length - 1)] ?? '';
}

/** The records' shape was not recognised: the user says which fields hold instruction, input and response. */
export function ColumnMapping({ file, columns, preview: rows }: { file: File; columns: string[]; preview: RawRecord[] }) {
  const [instruction, setInstruction] = useState(() => guess(columns, ['instruct', 'task', 'prompt', 'question', 'query'], 0));
  const [input, setInput] = useState(() => columns.find((c) => /context|input/i.test(c)) ?? '');
  const [response, setResponse] = useState(() => guess(columns, ['response', 'answer', 'output', 'reply', 'completion'], 1));
  const valid = instruction && response && instruction !== response;
  return (
    <div className="mapping" role="dialog" aria-label="Map columns" data-testid="column-mapping">
      <h2>Map the fields of {file.name}</h2>
      <p>The records are not in a shape Quarry recognises. Pick the fields that hold each part of a sample.</p>
      <div className="mapping-fields">
        <label>
          Instruction
          <select value={instruction} onChange={(e) => setInstruction(e.target.value)} data-testid="map-instruction">
            {columns.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        <label>
          Input / context (optional)
          <select value={input} onChange={(e) => setInput(e.target.value)} data-testid="map-input">
            <option value="">(none)</option>
            {columns.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        <label>
          Response
          <select value={response} onChange={(e) => setResponse(e.target.value)} data-testid="map-response">
            {columns.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
      </div>
      <div className="mapping-preview">
        <table>
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c}>{c}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i}>
                {columns.map((c) => (
                  <td key={c}>{preview(r[c])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="row-actions">
        <button
          type="button"
          className="button primary"
          disabled={!valid}
          data-testid="map-apply"
          onClick={() => void loadFile(file, { instruction, input: input || null, response })}
        >
          Load with this mapping
        </button>
        <button type="button" className="button" onClick={cancelLoad}>
          Cancel
        </button>
      </div>
    </div>
  );
}
