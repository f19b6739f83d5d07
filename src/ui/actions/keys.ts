// Key bindings as strings — "j", "?", "Escape", "Shift+U", "Mod+Shift+Z" — parsed, matched against
// keyboard events and formatted for display. Pure (no DOM, no stores) so it is unit-tested in Node.
//
// Matching rules:
// - `Mod` is Ctrl or Cmd (either is accepted on every platform); Ctrl/Cmd and Alt must match exactly,
//   so an unbound modifier combination (Ctrl+J, Alt+A…) matches nothing and the browser keeps it.
// - Letters compare case-insensitively and Shift must match exactly: "u" is not "Shift+U".
// - Symbols ("?", "/") are matched on the character typed, whatever Shift it took on this layout.

/** The parts of a KeyboardEvent that matching needs. */
export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

export interface Binding {
  /** Lower case for letters; otherwise the KeyboardEvent.key value ("Escape", "?", "/"). */
  key: string;
  mod: boolean;
  shift: boolean;
  alt: boolean;
}

const BINDING = /^((?:(?:Mod|Shift|Alt)\+)*)(.+)$/;

const isLetter = (key: string) => /^[a-z]$/i.test(key);
/** Named keys (Escape, Enter, ArrowDown…) as opposed to single printable characters. */
const isNamed = (key: string) => key.length > 1;

export function parseBinding(binding: string): Binding {
  const m = BINDING.exec(binding);
  const key = m?.[2];
  if (!m || !key || (isNamed(key) && key.includes('+'))) throw new Error(`invalid key binding "${binding}"`);
  const mods = (m[1] ?? '').split('+').filter(Boolean);
  return {
    key: isLetter(key) ? key.toLowerCase() : key,
    mod: mods.includes('Mod'),
    shift: mods.includes('Shift'),
    alt: mods.includes('Alt'),
  };
}

export function matchesBinding(binding: string | Binding, e: KeyLike): boolean {
  const b = typeof binding === 'string' ? parseBinding(binding) : binding;
  if (b.mod !== (e.ctrlKey || e.metaKey) || b.alt !== e.altKey) return false;
  if (isLetter(b.key)) return isLetter(e.key) && e.key.toLowerCase() === b.key && e.shiftKey === b.shift;
  if (e.key !== b.key) return false;
  // A symbol's Shift is part of the character ("?" is Shift+/ on US keyboards): only a binding that
  // names Shift explicitly requires it. Named keys compare Shift exactly.
  return isNamed(b.key) ? e.shiftKey === b.shift : !b.shift || e.shiftKey;
}

/** The first item one of whose keys matches the event, or undefined. */
export function findByKey<T extends { keys: readonly string[] }>(items: readonly T[], e: KeyLike): T | undefined {
  if (['Control', 'Meta', 'Shift', 'Alt', 'AltGraph', 'Dead', 'Process', 'Unidentified'].includes(e.key)) return undefined;
  return items.find((item) => item.keys.some((k) => matchesBinding(k, e)));
}

/** Every binding used by more than one item (a registry must have none). */
export function conflicts<T extends { id: string; keys: readonly string[] }>(items: readonly T[]): string[] {
  const seen = new Map<string, string>();
  const out: string[] = [];
  for (const item of items)
    for (const k of item.keys) {
      const b = parseBinding(k);
      const norm = `${b.mod ? 'Mod+' : ''}${b.alt ? 'Alt+' : ''}${b.shift ? 'Shift+' : ''}${b.key}`;
      const other = seen.get(norm);
      if (other !== undefined && other !== item.id) out.push(`${k}: ${other} and ${item.id}`);
      seen.set(norm, item.id);
    }
  return out;
}

const NAMED: Record<string, string> = {
  Escape: 'Esc',
  ArrowDown: '↓',
  ArrowUp: '↑',
  ArrowLeft: '←',
  ArrowRight: '→',
  ' ': 'Space',
};

/** The key caps of a binding, e.g. "Mod+Shift+z" → ["Ctrl", "Shift", "Z"] (["⌘", "⇧", "Z"] on a Mac). */
export function bindingCaps(binding: string, mac = false): string[] {
  const b = parseBinding(binding);
  const caps: string[] = [];
  if (b.mod) caps.push(mac ? '⌘' : 'Ctrl');
  if (b.alt) caps.push(mac ? '⌥' : 'Alt');
  if (b.shift) caps.push(mac ? '⇧' : 'Shift');
  const modified = b.mod || b.alt || b.shift;
  caps.push(NAMED[b.key] ?? (isLetter(b.key) && modified ? b.key.toUpperCase() : b.key));
  return caps;
}

/** A binding as text: "Ctrl+Shift+Z", "⌘⇧Z", "u". */
export function bindingLabel(binding: string, mac = false): string {
  return bindingCaps(binding, mac).join(mac ? '' : '+');
}

/** Whether keys pressed in this element are typing (so global shortcuts must leave them alone). */
export function isTypingTarget(el: { tagName?: string; type?: string; isContentEditable?: boolean } | null | undefined): boolean {
  if (!el) return false;
  if (el.isContentEditable) return true;
  const tag = (el.tagName ?? '').toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  // Checkboxes, radios and buttons take no text: shortcuts keep working while one has focus.
  return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file', 'image'].includes((el.type ?? 'text').toLowerCase());
}
