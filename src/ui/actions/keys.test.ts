import { describe, expect, it } from 'vitest';
import { bindingCaps, bindingLabel, conflicts, findByKey, isTypingTarget, matchesBinding, parseBinding, type KeyLike } from './keys';

const key = (k: string, mods: Partial<Omit<KeyLike, 'key'>> = {}): KeyLike => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

describe('parseBinding', () => {
  it('parses modifiers and keys', () => {
    expect(parseBinding('j')).toEqual({ key: 'j', mod: false, shift: false, alt: false });
    expect(parseBinding('Shift+U')).toEqual({ key: 'u', mod: false, shift: true, alt: false });
    expect(parseBinding('Mod+Shift+z')).toEqual({ key: 'z', mod: true, shift: true, alt: false });
    expect(parseBinding('Escape')).toEqual({ key: 'Escape', mod: false, shift: false, alt: false });
    expect(parseBinding('?').key).toBe('?');
    expect(parseBinding('+').key).toBe('+');
    expect(parseBinding('Mod++')).toEqual({ key: '+', mod: true, shift: false, alt: false });
  });
  it('rejects unknown modifiers', () => {
    expect(() => parseBinding('Ctrl+z')).toThrow(/invalid/);
    expect(() => parseBinding('')).toThrow(/invalid/);
  });
});

describe('matchesBinding', () => {
  it('matches plain letters case-insensitively, but Shift must match exactly', () => {
    expect(matchesBinding('j', key('j'))).toBe(true);
    expect(matchesBinding('j', key('J'))).toBe(true); // Caps Lock
    expect(matchesBinding('j', key('J', { shiftKey: true }))).toBe(false);
    expect(matchesBinding('u', key('U', { shiftKey: true }))).toBe(false);
    expect(matchesBinding('Shift+u', key('U', { shiftKey: true }))).toBe(true);
    expect(matchesBinding('Shift+u', key('u'))).toBe(false);
  });
  it('treats Mod as Ctrl or Cmd and refuses unbound modifier combinations', () => {
    expect(matchesBinding('Mod+z', key('z', { ctrlKey: true }))).toBe(true);
    expect(matchesBinding('Mod+z', key('z', { metaKey: true }))).toBe(true);
    expect(matchesBinding('Mod+z', key('z'))).toBe(false);
    expect(matchesBinding('Mod+z', key('Z', { ctrlKey: true, shiftKey: true }))).toBe(false);
    expect(matchesBinding('Mod+Shift+z', key('Z', { ctrlKey: true, shiftKey: true }))).toBe(true);
    expect(matchesBinding('Mod+Shift+z', key('z', { metaKey: true, shiftKey: true }))).toBe(true); // macOS reports lower case
    expect(matchesBinding('j', key('j', { ctrlKey: true }))).toBe(false);
    expect(matchesBinding('j', key('j', { metaKey: true }))).toBe(false);
    expect(matchesBinding('a', key('a', { altKey: true }))).toBe(false);
  });
  it('matches symbols on the character typed, whatever Shift it took', () => {
    expect(matchesBinding('?', key('?', { shiftKey: true }))).toBe(true);
    expect(matchesBinding('?', key('?'))).toBe(true);
    expect(matchesBinding('/', key('/'))).toBe(true);
    expect(matchesBinding('/', key('?', { shiftKey: true }))).toBe(false);
    expect(matchesBinding('?', key('/', { ctrlKey: true }))).toBe(false);
  });
  it('compares named keys exactly', () => {
    expect(matchesBinding('Escape', key('Escape'))).toBe(true);
    expect(matchesBinding('Escape', key('escape'))).toBe(false);
    expect(matchesBinding('Escape', key('Escape', { shiftKey: true }))).toBe(false);
    expect(matchesBinding('ArrowDown', key('ArrowDown'))).toBe(true);
  });
});

describe('findByKey', () => {
  const items = [
    { id: 'undo', keys: ['u', 'Mod+z'] },
    { id: 'redo', keys: ['Shift+u', 'Mod+Shift+z'] },
    { id: 'help', keys: ['?'] },
  ];
  it('finds the action bound to a key, or none', () => {
    expect(findByKey(items, key('u'))?.id).toBe('undo');
    expect(findByKey(items, key('z', { ctrlKey: true }))?.id).toBe('undo');
    expect(findByKey(items, key('U', { shiftKey: true }))?.id).toBe('redo');
    expect(findByKey(items, key('Z', { ctrlKey: true, shiftKey: true }))?.id).toBe('redo');
    expect(findByKey(items, key('?', { shiftKey: true }))?.id).toBe('help');
    expect(findByKey(items, key('x'))).toBeUndefined();
    expect(findByKey(items, key('u', { altKey: true }))).toBeUndefined();
    expect(findByKey(items, key('Shift', { shiftKey: true }))).toBeUndefined();
  });
  it('reports bindings used twice', () => {
    expect(conflicts(items)).toEqual([]);
    expect(conflicts([...items, { id: 'other', keys: ['Shift+U'] }])).toEqual(['Shift+U: redo and other']);
  });
});

describe('display', () => {
  it('formats key caps per platform', () => {
    expect(bindingCaps('u')).toEqual(['u']);
    expect(bindingLabel('Mod+z')).toBe('Ctrl+Z');
    expect(bindingLabel('Mod+Shift+z')).toBe('Ctrl+Shift+Z');
    expect(bindingLabel('Mod+Shift+z', true)).toBe('⌘⇧Z');
    expect(bindingLabel('Shift+u')).toBe('Shift+U');
    expect(bindingLabel('Escape')).toBe('Esc');
    expect(bindingLabel('?')).toBe('?');
  });
});

describe('isTypingTarget', () => {
  it('treats text fields, selects and contenteditable as typing, other controls not', () => {
    expect(isTypingTarget({ tagName: 'INPUT', type: 'search' })).toBe(true);
    expect(isTypingTarget({ tagName: 'INPUT', type: 'text' })).toBe(true);
    expect(isTypingTarget({ tagName: 'INPUT', type: 'number' })).toBe(true);
    expect(isTypingTarget({ tagName: 'INPUT' })).toBe(true);
    expect(isTypingTarget({ tagName: 'TEXTAREA' })).toBe(true);
    expect(isTypingTarget({ tagName: 'SELECT' })).toBe(true);
    expect(isTypingTarget({ tagName: 'DIV', isContentEditable: true })).toBe(true);
    expect(isTypingTarget({ tagName: 'INPUT', type: 'checkbox' })).toBe(false);
    expect(isTypingTarget({ tagName: 'BUTTON' })).toBe(false);
    expect(isTypingTarget({ tagName: 'BODY' })).toBe(false);
    expect(isTypingTarget(null)).toBe(false);
  });
});
