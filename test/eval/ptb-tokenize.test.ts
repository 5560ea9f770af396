// ptbTokenize: coco-caption's PTB step (Stanford PTBTokenizer -preserveLines -lowerCase, then
// its punctuation list dropped) on the kinds of text captions contain.
import { describe, expect, it } from 'vitest';
import { RecapError } from '../../src/core/errors.js';
import { PTB_PUNCTUATION, ptbTokenize, stripCaptionSpecials } from '../../src/eval/ptb-tokenize.js';

const cases: Array<[string, string]> = [
  ['A man riding a horse.', 'a man riding a horse'],
  ['Two dogs, playing in the snow!', 'two dogs playing in the snow'],
  ['Is this a cat?', 'is this a cat'],
  ['a dog; a cat: a bird', 'a dog a cat a bird'],
  // clitics
  ["The dog's ball isn't red", "the dog 's ball is n't red"],
  ["I can't believe it's not butter", "i ca n't believe it 's not butter"],
  ["They're here, we've gone, I'm late, she'd go, you'll see", "they 're here we 've gone i 'm late she 'd go you 'll see"],
  ['It won\u2019t fit', "it wo n't fit"],
  ['A man cannot go, gonna wait', 'a man can not go gon na wait'],
  ["at five o'clock", "at five o'clock"],
  ["the dogs' bowls", 'the dogs bowls'],
  // brackets: lower-cased escapes survive (the drop list has the upper-case forms)
  ['A black-and-white photo (old)', 'a black-and-white photo -lrb- old -rrb-'],
  ['a sign [closed] {x}', 'a sign -lsb- closed -rsb- -lcb- x -rcb-'],
  // quotes of every kind are dropped
  ['He said "hi" and \u201cbye\u201d', 'he said hi and bye'],
  ["a 'quoted' word", 'a quoted word'],
  // numbers, money, time, abbreviations, acronyms
  ['It costs $3.50 at 10:30...', 'it costs $ 3.50 at 10:30'],
  ['1,000 birds and 50% off', '1,000 birds and 50 % off'],
  ['Mr. Smith on St. Mark street', 'mr. smith on st. mark street'],
  ['A U.S. flag', 'a u.s. flag'],
  // dashes, ellipses, repeated marks
  ['Wow!! a dog -- running \u2014 fast - ok', 'wow !! a dog running fast ok'],
  ['so\u2026 a cat..', 'so a cat'],
  ['salt & pepper, r&b &amp; jazz', 'salt & pepper r&b & jazz'],
  ['<UNK> dog', '<unk> dog'],
  ['line\nbreak\ttab   spaces', 'line break tab spaces'],
  ['', ''],
  ['...', ''],
  ['TWO  Cats', 'two cats'],
  ['a constructor cannot', 'a constructor can not'],
];

describe('ptbTokenize', () => {
  for (const [input, expected] of cases) {
    it(JSON.stringify(input), () => expect(ptbTokenize(input)).toBe(expected));
  }

  it('never leaves a token of the drop list or a double space', () => {
    const out = ptbTokenize('A, B. C! D? E: F; G - H -- I ... J `` K \'\' L ` M \' N');
    for (const t of out.split(' ')) expect(PTB_PUNCTUATION).not.toContain(t);
    expect(out).toBe('a b c d e f g h i j k l m n');
  });

  it('throws RecapError for a non-string', () => {
    expect(() => ptbTokenize(3 as never)).toThrow(RecapError);
  });
});

describe('stripCaptionSpecials', () => {
  it('removes <START>, <END> and <NULL> words only', () => {
    expect(stripCaptionSpecials('<START> a red circle <END> <NULL> <NULL>')).toBe('a red circle');
    expect(stripCaptionSpecials('a <UNK> circle')).toBe('a <UNK> circle');
    expect(stripCaptionSpecials('a<END> b')).toBe('a<END> b');
  });
});
