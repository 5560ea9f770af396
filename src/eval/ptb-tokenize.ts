// coco-caption's tokenisation step (pycocoevalcap tokenizer/ptbtokenizer.py) for plain English
// captions, without Java: Stanford PTBTokenizer 3.4.1 run with `-preserveLines -lowerCase`,
// then the tokens in PTB_PUNCTUATION dropped and the rest joined by single spaces.
//
// What is reproduced (the PTB rules a caption meets):
// - lower-casing of every token, including the bracket escapes: "(" → "-lrb-", ")" → "-rrb-",
//   "[" → "-lsb-", "]" → "-rsb-", "{" → "-lcb-", "}" → "-rcb-". coco-caption's punctuation list
//   holds the upper-case forms, so these lower-cased escapes are KEPT (a quirk of the original).
// - . , ; : ! ? split off words and dropped; runs of ! and ? form one token ("!!" is kept, as it
//   is not in the list); two or more periods (and "…") are an ellipsis, dropped; "--", "—", "–"
//   and a lone "-" dropped; hyphenated words ("black-and-white") stay one token.
// - quotes: " “ ” ` ‘ ’ and quote-like ' become `` '' ` ' and are dropped.
// - clitics split off: n't ('t after n: "don't" → "do n't", "can't" → "ca n't"), 's 'm 'd 're
//   've 'll; "cannot" → "can not", "gonna"/"gotta"/"wanna" → "gon na"/"got ta"/"wan na",
//   "gimme"/"lemme" → "gim me"/"lem me". Other inner apostrophes stay ("o'clock").
// - numbers keep their inner . , : / ("3.5", "1,000", "10:30", "1/2"); acronyms of single
//   letters with periods ("u.s.") and common abbreviations ("mr.", "st.", "etc.") keep the period.
// - $ % # @ & * + = < > / \ | ~ ^ are tokens of their own; "&amp;" is "&"; a tag such as
//   "<UNK>" stays one token ("<unk>").
// Not reproduced: Stanford's URL, e-mail and emoticon rules, British → American spelling.
import { fail } from '../core/errors.js';

/** The tokens coco-caption drops after PTB tokenisation (ptbtokenizer.py PUNCTUATIONS). */
export const PTB_PUNCTUATION: readonly string[] = Object.freeze([
  "''", "'", '``', '`', '-LRB-', '-RRB-', '-LCB-', '-RCB-', '.', '?', '!', ',', ':', '-', '--', '...', ';',
]);
const DROP = new Set(PTB_PUNCTUATION);

/** Decoder tokens removed from captions before scoring. */
export const CAPTION_SPECIAL_TOKENS: readonly string[] = Object.freeze(['<START>', '<END>', '<NULL>']);
const SPECIAL = new Set(CAPTION_SPECIAL_TOKENS);

const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'dr', 'st', 'jr', 'sr', 'vs', 'etc', 'mt', 'ft', 'inc', 'ltd', 'ave']);
const SPLIT_WORDS = new Map<string, [string, string]>([
  ['cannot', ['can', 'not']], ['gonna', ['gon', 'na']], ['gotta', ['got', 'ta']], ['wanna', ['wan', 'na']],
  ['gimme', ['gim', 'me']], ['lemme', ['lem', 'me']],
]);
const CLITICS = new Set(["'s", "'m", "'d", "'re", "'ve", "'ll"]);
const BRACKETS = new Map([['(', '-lrb-'], [')', '-rrb-'], ['[', '-lsb-'], [']', '-rsb-'], ['{', '-lcb-'], ['}', '-rcb-']]);
const PLAIN_WORD = /^[a-z0-9]+$/; // most chunks: one token, no clitic

// One token at the current position of a whitespace-free chunk, in priority order.
const TOKEN = new RegExp([
  '&amp;',
  '</?[\\p{L}!][^<>]*>', // SGML-like tags, e.g. <unk>, stay one token
  '[+-]?\\d+(?:[.,:/]\\d+)+', // numbers with inner punctuation
  "(?:\\p{L}\\.){2,}", // acronyms: u.s.
  "[\\p{L}\\p{N}]+(?:(?:[-_&]|'(?=\\p{L}))[\\p{L}\\p{N}]+)*", // words, hyphenated words, o'clock
  '\\.{2,}|…', // ellipsis
  '-{2,}|[—–]', // dashes
  '[!?]+',
  "``|''", // LaTeX-style quotes
  '.', // any other single character
].map((p) => `(?:${p})`).join('|'), 'uy');

/** Splits one word into itself or its PTB clitic parts (lower-cased input). */
function splitWord(word: string, out: string[]): void {
  const fixed = SPLIT_WORDS.get(word);
  if (fixed) {
    out.push(fixed[0], fixed[1]);
    return;
  }
  const q = word.lastIndexOf("'");
  if (q > 0) {
    const tail = word.slice(q);
    if (tail === "'t" && word[q - 1] === 'n' && q > 1) {
      splitWord(word.slice(0, q - 1), out);
      out.push("n't");
      return;
    }
    if (CLITICS.has(tail)) {
      splitWord(word.slice(0, q), out);
      out.push(tail);
      return;
    }
  }
  out.push(word);
}

/** PTB tokens of one whitespace-free, lower-cased chunk, appended to `out`. */
function tokenizeChunk(chunk: string, out: string[]): void {
  if (PLAIN_WORD.test(chunk)) {
    splitWord(chunk, out);
    return;
  }
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < chunk.length) {
    let t = (TOKEN.exec(chunk) as RegExpExecArray)[0]; // the last alternative matches any character
    if (t === '&amp;') t = '&';
    else if (/^[\p{L}\p{N}]|^[+-]\d/u.test(t)) {
      if (ABBREVIATIONS.has(t) && chunk[TOKEN.lastIndex] === '.') {
        TOKEN.lastIndex++;
        t += '.';
      } else {
        splitWord(t, out);
        continue;
      }
    } else if (/^(?:\.{2,}|…)$/u.test(t)) t = '...';
    else if (/^(?:-{2,}|[—–])$/u.test(t)) t = '--';
    else if (t === '"') t = "''"; // `` or '' in PTB; both dropped
    else if (BRACKETS.has(t)) t = BRACKETS.get(t) as string;
    out.push(t);
  }
}

/**
 * coco-caption's PTB step for one caption: lower-cased PTB tokens with coco-caption's
 * punctuation tokens dropped, joined by single spaces (newlines count as spaces). An empty
 * caption gives ''.
 */
export function ptbTokenize(caption: string): string {
  if (typeof caption !== 'string') fail('caption', 'a string', caption === null ? 'null' : typeof caption);
  const out: string[] = [];
  const text = caption.toLowerCase().replace(/[‘’]/gu, "'").replace(/[“”]/gu, '"');
  for (const chunk of text.split(/\s+/u)) if (chunk !== '') tokenizeChunk(chunk, out);
  return out.filter((t) => !DROP.has(t)).join(' ');
}

/**
 * Removes the decoder's whole-word special tokens (`<START>`, `<END>`, `<NULL>`) from a decoded
 * caption; the other words and their spacing are kept.
 */
export function stripCaptionSpecials(caption: string): string {
  if (!caption.includes('<')) return caption;
  return caption.split(' ').filter((w) => !SPECIAL.has(w)).join(' ');
}
