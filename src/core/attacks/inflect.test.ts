import { describe, expect, it } from 'vitest';
import { analyze, inflect, matchCase } from './inflect.ts';

describe('inflect', () => {
  it('regular nouns and verbs', () => {
    expect(inflect('story', 's', 'n')).toBe('stories');
    expect(inflect('box', 's', 'n')).toBe('boxes');
    expect(inflect('tale', 's', 'n')).toBe('tales');
    expect(inflect('compose', 's', 'v')).toBe('composes');
    expect(inflect('compose', 'ed', 'v')).toBe('composed');
    expect(inflect('compose', 'ing', 'v')).toBe('composing');
    expect(inflect('stop', 'ing', 'v')).toBe('stopping');
    expect(inflect('stop', 'ed', 'v')).toBe('stopped');
    expect(inflect('carry', 'ed', 'v')).toBe('carried');
    expect(inflect('tie', 'ing', 'v')).toBe('tying');
    expect(inflect('visit', 'ed', 'v')).toBe('visited');
  });

  it('irregular forms', () => {
    expect(inflect('child', 's', 'n')).toBe('children');
    expect(inflect('write', 'past', 'v')).toBe('wrote');
    expect(inflect('write', 'pp', 'v')).toBe('written');
    expect(inflect('make', 'ed', 'v')).toBe('made');
    // ambiguous -ed original and an irregular verb whose past and participle differ: refuse
    expect(inflect('write', 'ed', 'v')).toBeNull();
    expect(inflect('go', 's', 'v')).toBe('goes');
    expect(inflect('good', 'er', 'a')).toBe('better');
  });

  it('comparatives of short adjectives only', () => {
    expect(inflect('big', 'er', 'a')).toBe('bigger');
    expect(inflect('large', 'est', 'a')).toBe('largest');
    expect(inflect('happy', 'er', 'a')).toBe('happier');
    expect(inflect('enormous', 'er', 'a')).toBeNull();
    expect(inflect('run', 'er', 'v')).toBeNull();
  });

  it('analyze finds lemma and form (round-tripping)', () => {
    const known = (l: string): boolean => ['story', 'write', 'stop', 'large', 'create', 'child', 'find'].includes(l);
    const pick = (w: string): string[] => analyze(w, known).map((a) => `${a.lemma}/${a.form}`);
    expect(pick('stories')).toEqual(['stories/base', 'story/s']);
    expect(pick('writing')).toEqual(['writing/base', 'write/ing']);
    expect(pick('written')).toEqual(['written/base', 'write/pp']);
    expect(pick('stopped')).toEqual(['stopped/base', 'stop/ed']);
    expect(pick('largest')).toEqual(['largest/base', 'large/est']);
    expect(pick('created')).toEqual(['created/base', 'create/ed']);
    expect(pick('children')).toEqual(['children/base', 'child/s']);
    expect(analyze('found', known)[1]).toMatchObject({ lemma: 'find', form: 'ed', irregular: true });
    expect(pick('glass')).toEqual(['glass/base']);
  });

  it('matchCase', () => {
    expect(matchCase('compose', 'Write')).toBe('Compose');
    expect(matchCase('compose', 'WRITE')).toBe('COMPOSE');
    expect(matchCase('compose', 'write')).toBe('compose');
    expect(matchCase('compose', 'I')).toBe('Compose');
  });
});
