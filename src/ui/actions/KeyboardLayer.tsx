import { useEffect, useRef } from 'react';
import { actions, runAction, type Action, type ActionGroup } from './registry';
import { findByKey, isTypingTarget } from './keys';
import { KeyCaps } from './KeyCaps';
import { useActionUiStore } from './uiStore';
import './actions.css';

/** Global keyboard bindings (from the action registry) and the `?` shortcuts overlay. */
export function KeyboardLayer() {
  const overlayOpen = useActionUiStore((s) => s.overlayOpen);
  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing) return;
      const target = e.target as HTMLElement | null;
      const overlay = useActionUiStore.getState().overlayOpen;
      if (isTypingTarget(target)) {
        // Keys typed into a field are text, never shortcuts. Only Escape leaves the field (keeping its
        // text: a search box would clear itself), so the keyboard can go straight back to j/k.
        if (e.key === 'Escape' && !overlay && !e.ctrlKey && !e.metaKey && !e.altKey) {
          e.preventDefault();
          target?.blur();
        }
        return;
      }
      const action = findByKey(actions, e);
      if (!action || (overlay && !action.inOverlay)) return;
      e.preventDefault();
      if (e.repeat && !action.repeat) return;
      runAction(action, { source: 'key' });
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
  return overlayOpen ? <ShortcutsOverlay /> : null;
}

/** Every registered action and its keys, generated from the registry. A modal dialog: Escape or ? closes it. */
function ShortcutsOverlay() {
  const close = () => useActionUiStore.getState().setOverlayOpen(false);
  const dialogRef = useRef<HTMLDivElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    // Focus moves into the dialog and back to where it was when it closes.
    const previous = document.activeElement as HTMLElement | null;
    closeRef.current?.focus();
    return () => {
      if (previous?.isConnected) previous.focus();
    };
  }, []);
  const groups = new Map<ActionGroup, Action[]>();
  for (const a of actions) groups.set(a.group, [...(groups.get(a.group) ?? []), a]);
  return (
    <div className="shortcuts-backdrop" onClick={close}>
      <div
        ref={dialogRef}
        className="shortcuts-dialog"
        role="dialog"
        aria-modal="true"
        aria-label="Keyboard shortcuts"
        data-testid="shortcuts-overlay"
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => {
          // Keep Tab inside the dialog (its only control is the close button).
          if (e.key === 'Tab') {
            e.preventDefault();
            closeRef.current?.focus();
          }
        }}
      >
        <div className="shortcuts-head">
          <h2>Keyboard shortcuts</h2>
          <button ref={closeRef} type="button" className="button ghost" aria-label="Close shortcuts" onClick={close}>
            ×
          </button>
        </div>
        <p className="muted small">Keys do nothing while you type in a field; Esc leaves the field.</p>
        <div className="shortcuts-groups">
          {[...groups].map(([group, list]) => (
            <section key={group}>
              <h3>{group}</h3>
              <table className="shortcuts-table">
                <tbody>
                  {list.map((a) => (
                    <tr key={a.id} data-testid="shortcut-row" data-action-id={a.id}>
                      <td>{a.label}</td>
                      <td className="shortcut-keys">
                        {a.keys.map((k, i) => (
                          <span key={k}>
                            {i > 0 && <span className="muted"> or </span>}
                            <KeyCaps binding={k} />
                          </span>
                        ))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          ))}
        </div>
      </div>
    </div>
  );
}
