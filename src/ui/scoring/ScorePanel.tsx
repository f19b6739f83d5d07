import { useEffect, useState } from 'react';
import { ATTACKS, ATTACK_NAMES } from '../../core/attacks';
import { DEFAULT_HUB, DEFAULT_SCORING, type ScoringConfig } from '../../core/scoringConfig';
import { useDatasetStore } from '../../state/datasetStore';
import { registerPickedFolder, startScoring } from '../../state/scoringController';
import { useScoreStore } from '../../state/scoreStore';
import { HUB_MODELS, fetchServedModels, folderFiles, looksLikeEmbedder, readDroppedFolder } from './modelRegistry';

const LAST_CONFIG_KEY = 'quarry.scoringConfig';

type Model = ScoringConfig['model'];

function modelValue(m: Model): string {
  return `${m.kind}:${m.id}`;
}

function lastConfig(): ScoringConfig {
  try {
    const saved = localStorage.getItem(LAST_CONFIG_KEY);
    return saved ? { ...DEFAULT_SCORING, ...(JSON.parse(saved) as Partial<ScoringConfig>) } : DEFAULT_SCORING;
  } catch {
    return DEFAULT_SCORING;
  }
}

/** Settings of a scoring run: model (hub, dev-server folder, or a folder the user picks), device, template. */
export function ScorePanel({ onClose }: { onClose(): void }) {
  const session = useDatasetStore((s) => s.session);
  const running = useScoreStore((s) => ['loading-model', 'running', 'pausing'].includes(s.run.status));
  const [config, setConfig] = useState<ScoringConfig>(() => session?.scoring?.config ?? lastConfig());
  const [hubHost, setHubHost] = useState(() => (config.model.kind === 'hub' && config.model.remoteHost) || DEFAULT_HUB);
  const [served, setServed] = useState<string[]>([]);
  const [picked, setPicked] = useState<Model[]>([]);
  const [customId, setCustomId] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => void fetchServedModels().then(setServed), []);

  const lmChoices: { label: string; model: Model }[] = [
    ...HUB_MODELS.filter((m) => m.role === 'lm'),
    ...served.filter((id) => !looksLikeEmbedder(id)).map((id) => ({ label: `${id} (local server)`, model: { kind: 'local', id } as Model })),
    ...picked.map((m) => ({ label: `${m.id} (picked folder)`, model: m })),
  ];
  if (!lmChoices.some((c) => modelValue(c.model) === modelValue(config.model)))
    lmChoices.push({ label: `${config.model.id} (${config.model.kind})`, model: config.model });
  const embedChoices: { label: string; model: Model }[] = [
    ...HUB_MODELS.filter((m) => m.role === 'embed'),
    ...served.filter(looksLikeEmbedder).map((id) => ({ label: `${id} (local server)`, model: { kind: 'local', id } as Model })),
  ];

  const set = <K extends keyof ScoringConfig>(key: K, value: ScoringConfig[K]) => setConfig((c) => ({ ...c, [key]: value }));
  const withHost = (m: Model): Model => (m.kind === 'hub' ? { ...m, remoteHost: hubHost } : m);

  const addFolder = (files: { path: string; file: File }[]) => {
    try {
      const folder = folderFiles(files);
      registerPickedFolder(folder.id, folder.files);
      const model: Model = { kind: 'files', id: folder.id };
      setPicked((p) => [...p.filter((m) => m.id !== folder.id), model]);
      set('model', model);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const scoredCount = useScoreStore((s) => s.results.size);
  const start = () => {
    const final: ScoringConfig = {
      ...config,
      model: withHost(config.model),
      embedModel: config.embedModel ? withHost(config.embedModel) : null,
    };
    const previous = session?.scoring?.config;
    // Scores from other settings are not comparable: a changed configuration starts afresh, so ask first.
    if (
      scoredCount > 0 &&
      previous &&
      JSON.stringify(previous) !== JSON.stringify(final) &&
      !confirm(`These settings differ from the ones that produced the ${scoredCount.toLocaleString()} existing scores. Discard them and score again?`)
    )
      return;
    localStorage.setItem(LAST_CONFIG_KEY, JSON.stringify({ ...final, model: final.model.kind === 'files' ? DEFAULT_SCORING.model : final.model }));
    onClose();
    void startScoring(final);
  };

  return (
    <div
      className="score-panel"
      role="dialog"
      aria-label="Scoring settings"
      data-testid="score-panel"
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => {
        const entry = e.dataTransfer.items[0]?.webkitGetAsEntry();
        if (entry?.isDirectory) {
          e.preventDefault();
          e.stopPropagation();
          void readDroppedFolder(entry as FileSystemDirectoryEntry).then(addFolder);
        }
      }}
    >
      <h2>Score {session?.name}</h2>
      <div className="form-grid">
        <label>
          Model
          <select
            data-testid="score-model"
            value={modelValue(config.model)}
            onChange={(e) => set('model', lmChoices.find((c) => modelValue(c.model) === e.target.value)!.model)}
          >
            {lmChoices.map((c) => (
              <option key={modelValue(c.model)} value={modelValue(c.model)}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        <div className="inline">
          <input
            placeholder="or any hub id, e.g. onnx-community/Qwen2.5-0.5B-Instruct"
            aria-label="Hub model id"
            data-testid="score-hub-id"
            value={customId}
            onChange={(e) => setCustomId(e.target.value)}
          />
          <button
            type="button"
            className="button"
            disabled={!/^[\w.-]+(\/[\w.-]+)?$/.test(customId.trim())}
            onClick={() => set('model', { kind: 'hub', id: customId.trim(), remoteHost: hubHost })}
          >
            Use
          </button>
          <label className="button">
            Pick folder…
            <input
              type="file"
              hidden
              data-testid="score-folder-input"
              // @ts-expect-error: webkitdirectory is not in React's types but is supported by every browser.
              webkitdirectory=""
              onChange={(e) => addFolder([...(e.currentTarget.files ?? [])].map((file) => ({ path: file.webkitRelativePath || file.name, file })))}
            />
          </label>
        </div>
        <label>
          Hub URL
          <input value={hubHost} onChange={(e) => setHubHost(e.target.value)} data-testid="score-hub-host" aria-label="Hub URL" />
        </label>
        <label>
          Device
          <select value={config.device} onChange={(e) => set('device', e.target.value as ScoringConfig['device'])} data-testid="score-device">
            <option value="auto">Auto (WebGPU if available, else WASM)</option>
            <option value="webgpu">WebGPU</option>
            <option value="wasm">WASM (CPU, multi-threaded)</option>
          </select>
        </label>
        <label>
          Weights
          <select value={config.dtype} onChange={(e) => set('dtype', e.target.value as ScoringConfig['dtype'])} data-testid="score-dtype">
            <option value="auto">Auto</option>
            <option value="fp32">fp32</option>
            <option value="fp16">fp16</option>
            <option value="q8">q8 (int8)</option>
            <option value="q4">q4</option>
          </select>
        </label>
        <label>
          Template
          <select value={config.template} onChange={(e) => set('template', e.target.value as ScoringConfig['template'])} data-testid="score-template">
            <option value="alpaca">Alpaca (as Cherry LLM)</option>
            <option value="plain">Plain</option>
            <option value="chat">The model's chat template</option>
          </select>
        </label>
        <label>
          Max tokens per text
          <input type="number" min={16} max={8192} value={config.maxTokens} onChange={(e) => set('maxTokens', Number(e.target.value))} />
        </label>
        <label>
          Batch size
          <input type="number" min={1} max={64} value={config.batchSize} onChange={(e) => set('batchSize', Number(e.target.value))} />
        </label>
        <fieldset className="attacks" data-testid="score-attacks">
          <legend>Prompt attacks (adversarial instructions → AIFD)</legend>
          {ATTACK_NAMES.map((name) => (
            <label key={name} className="check" title={ATTACKS[name].description}>
              <input
                type="checkbox"
                data-testid={`attack-${name}`}
                checked={config.attacks.includes(name)}
                onChange={(e) =>
                  setConfig((c) => {
                    const attacks = e.target.checked ? [...c.attacks, name] : c.attacks.filter((a) => a !== name);
                    return {
                      ...c,
                      attacks,
                      variants: attacks.length === 0 ? 0 : c.variants || 4,
                      embedModel: c.embedModel ?? embedChoices[0]?.model ?? null,
                    };
                  })
                }
              />
              {name} <span className="muted small">({ATTACKS[name].level})</span>
            </label>
          ))}
        </fieldset>
        {config.attacks.length > 0 && (
          <>
            <label>
              Variants per sample
              <input type="number" min={1} max={16} value={config.variants} data-testid="score-variants" onChange={(e) => set('variants', Number(e.target.value))} />
            </label>
            <label>
              Seed
              <input type="number" value={config.seed} data-testid="score-seed" onChange={(e) => set('seed', Number(e.target.value))} />
            </label>
          </>
        )}
        <label className="check">
          <input
            type="checkbox"
            checked={config.embedConsistency}
            onChange={(e) => setConfig((c) => ({ ...c, embedConsistency: e.target.checked, embedModel: c.embedModel ?? embedChoices[0]?.model ?? null }))}
          />
          Output-embedding consistency (generates outputs: slowest)
        </label>
        {(config.embedConsistency || config.attacks.length > 0) && (
          <>
            <label>
              Sentence embedder
              <select
                data-testid="score-embed-model"
                value={config.embedModel ? modelValue(config.embedModel) : ''}
                onChange={(e) => set('embedModel', embedChoices.find((c) => modelValue(c.model) === e.target.value)?.model ?? null)}
              >
                {embedChoices.map((c) => (
                  <option key={modelValue(c.model)} value={modelValue(c.model)}>
                    {c.label}
                  </option>
                ))}
              </select>
            </label>
            {config.embedConsistency && <label>
              Generated tokens
              <input type="number" min={4} max={256} value={config.generateTokens} onChange={(e) => set('generateTokens', Number(e.target.value))} />
            </label>}
          </>
        )}
      </div>
      <p className="muted small">Models are downloaded once and cached by the browser. Your dataset never leaves this device.</p>
      {error && <p className="error-text">{error}</p>}
      <div className="row-actions">
        <button type="button" className="button primary" onClick={start} disabled={running} data-testid="score-start">
          Start scoring
        </button>
        <button type="button" className="button" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
