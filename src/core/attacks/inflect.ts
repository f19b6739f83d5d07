// Simple English morphology for synonym substitution: find the lemma and form of a word, and
// re-inflect a synonym into the same form. Rules: -s/-es/-ies, -ed/-ied (+ doubled consonant,
// dropped e), -ing, -er/-est, plus short lists of irregular verbs, nouns and adjectives.

export type WordForm =
  | 'base'
  /** plural noun or 3rd-person-singular verb */
  | 's'
  /** regular -ed: past tense or past participle (ambiguous) */
  | 'ed'
  | 'past'
  | 'pp'
  | 'ing'
  | 'er'
  | 'est';

export type Pos = 'n' | 'v' | 'a' | 'r';

export interface Analysis {
  lemma: string;
  form: WordForm;
  /** Parts of speech this form can belong to. */
  pos: Pos[];
  /** From the irregular lists (went, children, better): such readings are usually the right ones. */
  irregular?: boolean;
}

// base, past, past participle
const IRREGULAR_VERBS_RAW = `
arise arose arisen|awake awoke awoken|be was been|bear bore borne|beat beat beaten|become became become
begin began begun|bend bent bent|bet bet bet|bid bid bid|bind bound bound|bite bit bitten|bleed bled bled
blow blew blown|break broke broken|breed bred bred|bring brought brought|build built built|burn burnt burnt
burst burst burst|buy bought bought|cast cast cast|catch caught caught|choose chose chosen|cling clung clung
come came come|cost cost cost|creep crept crept|cut cut cut|deal dealt dealt|dig dug dug|do did done
draw drew drawn|dream dreamt dreamt|drink drank drunk|drive drove driven|eat ate eaten|fall fell fallen
feed fed fed|feel felt felt|fight fought fought|find found found|flee fled fled|fling flung flung|fly flew flown
forbid forbade forbidden|forget forgot forgotten|forgive forgave forgiven|freeze froze frozen|get got gotten
give gave given|go went gone|grind ground ground|grow grew grown|hang hung hung|have had had|hear heard heard
hide hid hidden|hit hit hit|hold held held|hurt hurt hurt|keep kept kept|kneel knelt knelt|know knew known
lay laid laid|lead led led|lean leant leant|leap leapt leapt|learn learnt learnt|leave left left|lend lent lent
let let let|lie lay lain|light lit lit|lose lost lost|make made made|mean meant meant|meet met met|pay paid paid
prove proved proven|put put put|quit quit quit|read read read|rid rid rid|ride rode ridden|ring rang rung
rise rose risen|run ran run|say said said|see saw seen|seek sought sought|sell sold sold|send sent sent
set set set|sew sewed sewn|shake shook shaken|shed shed shed|shine shone shone|shoot shot shot|show showed shown
shrink shrank shrunk|shut shut shut|sing sang sung|sink sank sunk|sit sat sat|sleep slept slept|slide slid slid
sling slung slung|speak spoke spoken|speed sped sped|spend spent spent|spin spun spun|spit spat spat
split split split|spread spread spread|spring sprang sprung|stand stood stood|steal stole stolen|stick stuck stuck
sting stung stung|stink stank stunk|strike struck struck|string strung strung|strive strove striven
swear swore sworn|sweep swept swept|swim swam swum|swing swung swung|take took taken|teach taught taught
tear tore torn|tell told told|think thought thought|throw threw thrown|thrust thrust thrust|tread trod trodden
understand understood understood|undertake undertook undertaken|undergo underwent undergone|upset upset upset
wake woke woken|wear wore worn|weave wove woven|weep wept wept|win won won|wind wound wound|withdraw withdrew withdrawn
withhold withheld withheld|withstand withstood withstood|wring wrung wrung|write wrote written
overcome overcame overcome|overtake overtook overtaken|overthrow overthrew overthrown|mistake mistook mistaken
`;

const IRREGULAR_NOUNS_RAW = `
man men|woman women|child children|person people|foot feet|tooth teeth|goose geese|mouse mice|ox oxen
criterion criteria|phenomenon phenomena|analysis analyses|thesis theses|crisis crises|hypothesis hypotheses
datum data|medium media|index indices|matrix matrices|appendix appendices|leaf leaves|life lives|knife knives
wife wives|half halves|self selves|shelf shelves|wolf wolves|loaf loaves|thief thieves|calf calves
sheep sheep|fish fish|deer deer|series series|species species|aircraft aircraft
`;

const IRREGULAR_ADJ_RAW = `good better best|bad worse worst|far farther farthest|little less least|many more most|much more most`;

interface VerbForms {
  past: string;
  pp: string;
}

const IRREGULAR_VERBS = new Map<string, VerbForms>();
/** form -> (base, which) */
const IRREGULAR_VERB_FORMS = new Map<string, { lemma: string; form: WordForm }[]>();
for (const entry of IRREGULAR_VERBS_RAW.split(/[|\n]/)) {
  const [base, past, pp] = entry.trim().split(/\s+/);
  if (!base || !past || !pp) continue;
  IRREGULAR_VERBS.set(base, { past, pp });
  const add = (w: string, form: WordForm): void => {
    if (w === base) return;
    const list = IRREGULAR_VERB_FORMS.get(w) ?? [];
    if (!list.some((x) => x.lemma === base && x.form === form)) list.push({ lemma: base, form });
    IRREGULAR_VERB_FORMS.set(w, list);
  };
  if (past === pp) add(past, 'ed');
  else {
    add(past, 'past');
    add(pp, 'pp');
  }
}

const IRREGULAR_PLURALS = new Map<string, string>();
const IRREGULAR_SINGULARS = new Map<string, string>();
for (const entry of IRREGULAR_NOUNS_RAW.split(/[|\n]/)) {
  const [sg, pl] = entry.trim().split(/\s+/);
  if (!sg || !pl) continue;
  IRREGULAR_PLURALS.set(sg, pl);
  if (sg !== pl) IRREGULAR_SINGULARS.set(pl, sg);
}

const IRREGULAR_ADJ = new Map<string, { er: string; est: string }>();
const IRREGULAR_ADJ_FORMS = new Map<string, { lemma: string; form: WordForm }>();
for (const entry of IRREGULAR_ADJ_RAW.split('|')) {
  const [base, er, est] = entry.trim().split(/\s+/);
  if (!base || !er || !est) continue;
  IRREGULAR_ADJ.set(base, { er, est });
  if (!IRREGULAR_ADJ_FORMS.has(er)) IRREGULAR_ADJ_FORMS.set(er, { lemma: base, form: 'er' });
  if (!IRREGULAR_ADJ_FORMS.has(est)) IRREGULAR_ADJ_FORMS.set(est, { lemma: base, form: 'est' });
}

const VOWEL_GROUPS = /[aeiouy]+/g;
function syllables(w: string): number {
  const groups = w.match(VOWEL_GROUPS)?.length ?? 0;
  // a final silent e does not make a syllable ("make")
  return Math.max(1, w.endsWith('e') && !w.endsWith('le') && groups > 1 ? groups - 1 : groups);
}

/** One-syllable consonant-vowel-consonant words double their final consonant (stop -> stopped). */
function doublesFinal(w: string): boolean {
  return /(?:^|[^aeiou])[aeiou][bcdfgklmnprstvz]$/.test(w) && (w.match(/[aeiou]+/g)?.length ?? 0) === 1;
}

const isConsonantY = (w: string): boolean => /[^aeiou]y$/.test(w);
const sibilant = (w: string): boolean => /(?:s|x|z|ch|sh)$/.test(w);

function regularS(w: string): string {
  if (isConsonantY(w)) return w.slice(0, -1) + 'ies';
  if (sibilant(w) || /[^aeiou]o$/.test(w)) return w + 'es';
  return w + 's';
}

function regularEd(w: string): string {
  if (w.endsWith('e')) return w + 'd';
  if (isConsonantY(w)) return w.slice(0, -1) + 'ied';
  if (doublesFinal(w)) return w + w.slice(-1) + 'ed';
  return w + 'ed';
}

function regularIng(w: string): string {
  if (w.endsWith('ie')) return w.slice(0, -2) + 'ying';
  if (w.endsWith('e') && !/(?:ee|ye|oe)$/.test(w) && w.length > 2) return w.slice(0, -1) + 'ing';
  if (doublesFinal(w)) return w + w.slice(-1) + 'ing';
  return w + 'ing';
}

function regularComparative(w: string, suffix: 'er' | 'est'): string | null {
  // long adjectives take "more/most", which a one-word substitution cannot express
  if (syllables(w) > 2 || (syllables(w) === 2 && !w.endsWith('y'))) return null;
  if (w.endsWith('e')) return w + suffix.slice(1);
  if (isConsonantY(w)) return w.slice(0, -1) + 'i' + suffix;
  if (doublesFinal(w)) return w + w.slice(-1) + suffix;
  return w + suffix;
}

/**
 * Puts `lemma` (a verb, noun, adjective or adverb base form) into `form`; null when the form
 * cannot be produced reliably (e.g. an irregular verb whose past and participle differ, for an
 * ambiguous -ed original).
 */
export function inflect(lemma: string, form: WordForm, pos: Pos): string | null {
  const w = lemma.toLowerCase();
  switch (form) {
    case 'base':
      return w;
    case 's':
      if (pos === 'n') return IRREGULAR_PLURALS.get(w) ?? regularS(w);
      if (pos === 'v') {
        if (w === 'be') return 'is';
        if (w === 'have') return 'has';
        if (w === 'do' || w === 'go') return w + 'es';
        return regularS(w);
      }
      return null;
    case 'ing':
      if (pos !== 'v') return null;
      return regularIng(w);
    case 'ed':
    case 'past':
    case 'pp': {
      if (pos !== 'v') return null;
      const irr = IRREGULAR_VERBS.get(w);
      if (!irr) return regularEd(w);
      if (form === 'past') return irr.past;
      if (form === 'pp') return irr.pp;
      return irr.past === irr.pp ? irr.past : null;
    }
    case 'er':
    case 'est': {
      if (pos !== 'a' && pos !== 'r') return null;
      const irr = IRREGULAR_ADJ.get(w);
      if (irr) return irr[form];
      return regularComparative(w, form);
    }
  }
}

/**
 * Possible (lemma, form) readings of a word, most literal first. `known` tells whether a lemma
 * exists (e.g. in the synonym table); readings with unknown lemmas are dropped, except the base
 * reading which is always returned first.
 */
export function analyze(word: string, known: (lemma: string) => boolean): Analysis[] {
  const w = word.toLowerCase().replace(/’/g, "'");
  const out: Analysis[] = [{ lemma: w, form: 'base', pos: ['n', 'v', 'a', 'r'] }];
  const add = (lemma: string, form: WordForm, pos: Pos[], irregular = false): void => {
    if (lemma.length < 2 || lemma === w || !known(lemma)) return;
    if (out.some((a) => a.lemma === lemma && a.form === form)) return;
    out.push(irregular ? { lemma, form, pos, irregular } : { lemma, form, pos });
  };
  for (const irr of IRREGULAR_VERB_FORMS.get(w) ?? []) add(irr.lemma, irr.form, ['v'], true);
  const sg = IRREGULAR_SINGULARS.get(w);
  if (sg) add(sg, 's', ['n'], true);
  const adj = IRREGULAR_ADJ_FORMS.get(w);
  if (adj) add(adj.lemma, adj.form, ['a', 'r'], true);

  const undouble = (stem: string): string | null =>
    /([bcdfgklmnprstvz])\1$/.test(stem) ? stem.slice(0, -1) : null;

  if (w.endsWith('ies') && w.length > 4) add(w.slice(0, -3) + 'y', 's', ['n', 'v']);
  if (w.endsWith('es') && w.length > 3) {
    const stem = w.slice(0, -2);
    if (sibilant(stem) || stem.endsWith('o')) add(stem, 's', ['n', 'v']);
  }
  if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is') && w.length > 3) {
    add(w.slice(0, -1), 's', ['n', 'v']);
  }
  if (w.endsWith('ied') && w.length > 4) add(w.slice(0, -3) + 'y', 'ed', ['v']);
  if (w.endsWith('ed') && w.length > 3) {
    const stem = w.slice(0, -2);
    const u = undouble(stem);
    if (u) add(u, 'ed', ['v']);
    add(stem, 'ed', ['v']);
    add(stem + 'e', 'ed', ['v']);
  }
  if (w.endsWith('ing') && w.length > 4) {
    const stem = w.slice(0, -3);
    const u = undouble(stem);
    if (u) add(u, 'ing', ['v']);
    add(stem, 'ing', ['v']);
    add(stem + 'e', 'ing', ['v']);
    if (stem.endsWith('y')) add(stem.slice(0, -1) + 'ie', 'ing', ['v']);
  }
  for (const suffix of ['est', 'er'] as const) {
    if (w.endsWith(suffix) && w.length > suffix.length + 2) {
      const stem = w.slice(0, -suffix.length);
      if (stem.endsWith('i')) add(stem.slice(0, -1) + 'y', suffix, ['a', 'r']);
      const u = undouble(stem);
      if (u) add(u, suffix, ['a', 'r']);
      add(stem, suffix, ['a', 'r']);
      add(stem + 'e', suffix, ['a', 'r']);
    }
  }
  // readings must round-trip: the lemma re-inflected must give the word back
  return out.filter(
    (a) => a.form === 'base' || a.pos.some((p) => inflect(a.lemma, a.form, p) === w || (a.form === 'ed' && inflect(a.lemma, 'past', p) === w)),
  );
}

/** Gives `word` the capitalisation pattern of `model` (ALL CAPS, Capitalised or lower). */
export function matchCase(word: string, model: string): string {
  if (model.length > 1 && model === model.toUpperCase() && model !== model.toLowerCase()) return word.toUpperCase();
  const first = model.charAt(0);
  if (first !== first.toLowerCase()) return word.charAt(0).toUpperCase() + word.slice(1);
  return word;
}
