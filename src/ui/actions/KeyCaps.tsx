import { bindingCaps, bindingLabel } from './keys';
import type { Action } from './registry';

export const IS_MAC = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

/** Renders a binding as key caps. */
export function KeyCaps({ binding }: { binding: string }) {
  return (
    <span className="key-caps">
      {bindingCaps(binding, IS_MAC).map((c, i) => (
        <kbd key={i}>{c}</kbd>
      ))}
    </span>
  );
}

/** A tooltip suffix listing an action's keys: " (u, Ctrl+Z)". */
export function keysHint(action: Action): string {
  return action.keys.length ? ` (${action.keys.map((k) => bindingLabel(k, IS_MAC)).join(', ')})` : '';
}
