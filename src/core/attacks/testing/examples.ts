// Produces the before/after examples pasted into docs/attacks.md:
//   npx tsx src/core/attacks/testing/examples.ts
// Uses the deterministic fake scorer (no model): s(A|Q') = 1 + the weights of the words below that
// are missing from Q' (summarize 2, article 1, keeping 0.7, sentences 0.5, intact 0.3); embeddings
// are hashed character trigrams.

import { ATTACK_NAMES, ATTACKS } from '../registry.ts';
import { generateVariants, randomVariants } from '../search.ts';
import { tokenize } from '../tokenize.ts';
import { createFakeScorer } from './fakeScorer.ts';

export const EXAMPLE_INSTRUCTION =
  'Summarize the following article in three sentences, keeping the "key terms" intact and citing https://example.org.';

export function exampleScorer() {
  return createFakeScorer({
    weights: { summarize: 2, article: 1, keeping: 0.7, sentences: 0.5, intact: 0.3 },
    paraphrases: (i) => [
      i.replace('Summarize the following article', 'Give a summary of the article below'),
      i.replace('Summarize', 'Condense'),
    ],
  });
}

export async function printExamples(): Promise<void> {
  const ins = EXAMPLE_INSTRUCTION;
  const tok = tokenize(ins);
  console.log('instruction:', JSON.stringify(ins));
  console.log('protected words:', tok.words.filter((w) => w.protected).map((w) => `${w.text}(${w.protectedKind})`).join(' '));
  for (const name of ATTACK_NAMES) {
    const [v] = await generateVariants(ins, { attacks: [name], variants: 1, seed: 42, sampleId: 'doc-example' }, exampleScorer());
    console.log(`\n### ${name} (${ATTACKS[name].level})`);
    if (!v) {
      console.log('  (no variant)');
      continue;
    }
    console.log('  after: ', JSON.stringify(v.instruction));
    console.log('  edits: ', v.edits.map((e) => `[${e.start},${e.end}) ${e.op} ${JSON.stringify(e.before)} -> ${JSON.stringify(e.after)}`).join('; '));
    console.log(
      `  s(A|Q)=${v.baseScore} s(A|Q')=${v.s_a_given_q.toFixed(4)} similarity=${v.similarity.toFixed(3)} queries=${v.queries} editedWords=${v.editedWords} constraintsPassed=${v.constraintsPassed}`,
    );
  }
  console.log('\n### random baseline (textbugger, synonym)');
  for (const v of await randomVariants(ins, { attacks: ['textbugger', 'synonym'], variants: 2, seed: 42, sampleId: 'doc-example' }, exampleScorer())) {
    console.log(`  ${v.attack}: ${JSON.stringify(v.instruction)} s(A|Q')=${v.s_a_given_q.toFixed(4)} similarity=${v.similarity.toFixed(3)}`);
  }
}

// run when executed directly (tsx), not when imported
if (typeof process !== 'undefined' && process.argv[1]?.endsWith('examples.ts')) {
  await printExamples();
}
