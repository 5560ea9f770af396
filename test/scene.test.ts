import { describe, expect, it } from 'vitest';
import { formatAccuracy, namesScene, parseObjectMentions, sceneAccuracy } from '../src/eval/scene.js';
import { captionScene, makeShapesScenes, type Scene, type SceneObject } from '../src/data/shapes.js';
import { LegacyRandom } from '../src/core/rng.js';
import { RecapError } from '../src/core/errors.js';

const obj = (colour: SceneObject['colour'], shape: SceneObject['shape'], size: SceneObject['size'] = 'small', x = 0.5, y = 0.5): SceneObject =>
  ({ colour, shape, size, x, y, r: size === 'big' ? 0.2 : 0.1, rgb: [0, 0, 0] });
const scene = (...objects: SceneObject[]): Scene => ({ objects, background: 240 });

// a purple cross (big) and a red triangle (small): the binding error the issue quotes
const two = scene(obj('purple', 'cross', 'big', 0.2, 0.5), obj('red', 'triangle', 'small', 0.8, 0.5));
const three = scene(obj('red', 'circle'), obj('blue', 'square', 'big'), obj('yellow', 'diamond'));

describe('namesScene', () => {
  it('accepts every phrasing of the dataset, in any order', () => {
    for (const c of [
      'a purple cross and a red triangle',
      '<START> a large purple cross and a little red triangle <END>',
      'a red triangle and a purple cross',
      'two shapes : a red triangle and a purple cross',
      'there are two shapes : a big purple cross and a small red triangle',
      'there is a purple cross left of a red triangle',
      'a big purple cross to the left of a small red triangle',
    ]) expect(namesScene(c, two), c).toBe(true);
    expect(namesScene('a little diamond that is yellow', scene(obj('yellow', 'diamond')))).toBe(true);
    expect(namesScene('one yellow diamond at the top', scene(obj('yellow', 'diamond')))).toBe(true);
    expect(namesScene(['<START>', 'a', 'red', 'circle', ',', 'a', 'blue', 'square', 'and', 'a', 'yellow', 'diamond', '<END>', '<NULL>'], three)).toBe(true);
    expect(namesScene('three shapes : a yellow diamond , a blue square and a red circle', three)).toBe(true);
  });

  it('rejects swapped colours, missing, extra, repeated and unbound objects', () => {
    expect(namesScene('a large red cross and a little purple triangle', two)).toBe(false); // swapped colours
    expect(namesScene('a purple cross', two)).toBe(false); // missing
    expect(namesScene('a purple cross , a red triangle and a blue square', two)).toBe(false); // extra
    expect(namesScene('a purple cross and a purple cross', scene(obj('purple', 'cross')))).toBe(false); // named twice
    expect(namesScene('a purple cross and a red triangle and a red triangle', two)).toBe(false);
    expect(namesScene('a purple cross and a triangle', two)).toBe(false); // a shape without a colour
    expect(namesScene('a purple cross and a red a triangle', two)).toBe(false); // colour not next to its shape
    expect(namesScene('a purple red cross and a triangle', two)).toBe(false); // two colours for one shape
    expect(namesScene('a purple cross and a red <UNK>', two)).toBe(false);
    expect(namesScene('', two)).toBe(false);
    expect(namesScene('a red circle , a blue square and a yellow square', three)).toBe(false);
  });

  it('ignores sizes unless asked to check them', () => {
    const wrongSize = 'a little purple cross and a big red triangle';
    expect(namesScene(wrongSize, two)).toBe(true);
    expect(namesScene(wrongSize, two, { checkSizes: true })).toBe(false);
    expect(namesScene('a large purple cross and a red triangle', two, { checkSizes: true })).toBe(true);
    expect(namesScene('a large cross that is purple and a small red triangle', two, { checkSizes: true })).toBe(true);
    expect(namesScene('a small cross that is purple and a small red triangle', two, { checkSizes: true })).toBe(false);
  });

  it('parses mentions with their sizes', () => {
    expect(parseObjectMentions('<START> a big red circle and a little square that is blue <END>')).toEqual([
      { colour: 'red', shape: 'circle', size: 'big' },
      { colour: 'blue', shape: 'square', size: 'small' },
    ]);
    expect(parseObjectMentions('a red')).toBeNull();
    expect(parseObjectMentions('there is nothing')).toEqual([]);
  });

  it('holds for every ground-truth caption of the shapes world', () => {
    const scenes = makeShapesScenes(600, 3);
    const rng = new LegacyRandom(4);
    let n = 0;
    for (const s of scenes) {
      for (const words of captionScene(s, 5, rng)) {
        expect(namesScene(words, s, { checkSizes: true }), words.join(' ')).toBe(true);
        n++;
      }
    }
    expect(n).toBe(3000);
  });

  it('throws RecapError on bad arguments', () => {
    expect(() => namesScene(42 as unknown as string, two)).toThrow(RecapError);
    expect(() => namesScene(['a', 3 as unknown as string], two)).toThrow(/caption\[1\]/);
    expect(() => namesScene('a red circle', null as unknown as Scene)).toThrow(/scene/);
    expect(() => namesScene('a red circle', scene({ ...obj('red', 'circle'), colour: 'pink' as 'red' }))).toThrow(/scene.objects\[0\].colour/);
  });
});

describe('sceneAccuracy', () => {
  it('counts by number of objects', () => {
    const one = scene(obj('green', 'square'));
    const acc = sceneAccuracy(
      ['a green square', 'a red square', 'a purple cross and a red triangle', 'a red cross and a purple triangle', 'a red circle , a blue square and a yellow diamond'],
      [one, one, two, two, three],
    );
    expect(acc.correct).toEqual([true, false, true, false, true]);
    expect(acc.all).toEqual({ correct: 3, total: 5, accuracy: 0.6 });
    expect(acc.byObjects[1]).toEqual({ correct: 1, total: 2, accuracy: 0.5 });
    expect(acc.byObjects[2]).toEqual({ correct: 1, total: 2, accuracy: 0.5 });
    expect(acc.byObjects[3]).toEqual({ correct: 1, total: 1, accuracy: 1 });
    expect(formatAccuracy(acc.all)).toBe('60.0% (3/5)');
    const none = sceneAccuracy([], []);
    expect(none.all.total).toBe(0);
    expect(Number.isNaN(none.all.accuracy)).toBe(true);
    expect(formatAccuracy(none.byObjects[3])).toBe('–');
  });

  it('throws RecapError naming the bad argument', () => {
    expect(() => sceneAccuracy(['a red circle'], [])).toThrow(/captions: expected 0 captions/);
    expect(() => sceneAccuracy('a' as unknown as string[], [two])).toThrow(RecapError);
    expect(() => sceneAccuracy([null as unknown as string], [two])).toThrow(/captions\[0\]/);
    expect(() => sceneAccuracy(['x'], [{} as Scene])).toThrow(/scenes\[0\]/);
  });
});
