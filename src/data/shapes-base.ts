// The shapes world's vocabulary of shapes, colours and sizes, its types and its caption
// vocabulary (see shapes.ts for the world itself).
import { fail } from '../core/errors.js';
import type { CaptionData } from './types.js';
import { type RgbImage } from './features.js';

export const SHAPES = ['circle', 'square', 'triangle', 'diamond', 'cross'] as const;
export const COLOURS = ['red', 'green', 'blue', 'yellow', 'purple'] as const;
export const SIZES = ['small', 'big'] as const;
export type ShapeName = (typeof SHAPES)[number];
export type ColourName = (typeof COLOURS)[number];
export type SizeName = (typeof SIZES)[number];

/** Base RGB of each colour (well separated in hue); objects jitter each channel by ±10. */
export const COLOUR_RGB: Record<ColourName, readonly [number, number, number]> = {
  red: [220, 40, 40],
  green: [40, 170, 60],
  blue: [40, 80, 220],
  yellow: [240, 210, 30],
  purple: [170, 50, 190],
};

/** Radius ranges (fraction of the image side) of each size class. */
export const SIZE_RADIUS: Record<SizeName, readonly [number, number]> = { small: [0.1, 0.13], big: [0.18, 0.21] };

/** Longest caption in words (CS231n rows: <START>, ≤ 15 words, <END>). */
export const MAX_CAPTION_WORDS = 15;
/** Caption row length of `shapesData` (as COCO in CS231n). */
export const CAPTION_LENGTH = 17;

export interface SceneObject {
  shape: ShapeName;
  colour: ColourName;
  size: SizeName;
  /** Centre, fractions of the image side (x right, y down). */
  x: number;
  y: number;
  /** Radius, fraction of the image side. */
  r: number;
  /** The rendered colour (base colour with jitter), 0..255. */
  rgb: [number, number, number];
}

export interface Scene {
  /** 1 to 3 objects with distinct colours. */
  objects: SceneObject[];
  /** Grey level of the background, 0..255 (225..250). */
  background: number;
}

/** An RGBA image as a canvas `ImageData` holds it: data (height, width, 4) row-major. */
export interface RgbaImage extends RgbImage {
  data: Uint8ClampedArray;
  channels: 4;
}

/** The shapes world in the CaptionData layout plus what a UI needs to show it. */
export interface ShapesData extends CaptionData {
  /** Images of the train split (views into one buffer), row i ↔ trainFeatures row i. */
  trainImages: RgbaImage[];
  valImages: RgbaImage[];
  trainScenes: Scene[];
  valScenes: Scene[];
  imageSize: number;
}

// ---------------------------------------------------------------------------------------------
// Vocabulary

/** The vocabulary in index order: <NULL>=0, <START>=1, <END>=2, <UNK>=3, then the words. */
export const SHAPES_VOCAB: readonly string[] = Object.freeze([
  '<NULL>', '<START>', '<END>', '<UNK>',
  'a', 'there', 'is', 'are', 'the', 'image', 'shows', 'one', 'two', 'three', 'shapes', ':', ',',
  'and', 'that', 'on', 'at', 'left', 'right', 'top', 'bottom', 'of', 'to', 'above', 'below',
  'plain', 'background',
  'small', 'little', 'big', 'large',
  'red', 'green', 'blue', 'yellow', 'purple',
  'circle', 'square', 'triangle', 'diamond', 'cross',
]);

/** { idxToWord, wordToIdx } of the shapes world (fresh copies). */
export function shapesVocab(): { idxToWord: string[]; wordToIdx: Record<string, number> } {
  const idxToWord = [...SHAPES_VOCAB];
  const wordToIdx: Record<string, number> = {};
  idxToWord.forEach((w, i) => (wordToIdx[w] = i));
  return { idxToWord, wordToIdx };
}

/**
 * One caption row: [<START>, ids of `words`, <END>, <NULL>…] of `length` int32s. Words missing
 * from `wordToIdx` become <UNK>.
 */
export function encodeCaption(words: readonly string[], wordToIdx: Record<string, number>, length = CAPTION_LENGTH): Int32Array {
  if (!Array.isArray(words)) fail('words', 'an array of words', typeof words);
  if (!Number.isInteger(length) || length < 2) fail('length', 'an integer ≥ 2', length);
  if (words.length > length - 2) fail('words', `at most ${length - 2} words (length ${length} with <START> and <END>)`, words.length);
  const special = ['<NULL>', '<START>', '<END>', '<UNK>'];
  for (const s of special) {
    if (!Number.isInteger(wordToIdx?.[s])) fail('wordToIdx', `an index for ${s}`, wordToIdx?.[s]);
  }
  const row = new Int32Array(length).fill(wordToIdx['<NULL>']);
  row[0] = wordToIdx['<START>'];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (typeof w !== 'string') fail(`words[${i}]`, 'a string', typeof w);
    const id = Object.prototype.hasOwnProperty.call(wordToIdx, w) ? wordToIdx[w] : wordToIdx['<UNK>'];
    row[i + 1] = id;
  }
  row[words.length + 1] = wordToIdx['<END>'];
  return row;
}
