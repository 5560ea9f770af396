// The shipped pretrained checkpoint captions one scene: the same code in the browser (pixels
// through a canvas) and in Node (pixels straight from renderScene).
const scene = (recap) => ({
  background: 255,
  objects: [{ shape: 'triangle', colour: 'red', size: 'big', x: 0.5, y: 0.5, r: 0.2, rgb: [...recap.COLOUR_RGB.red] }],
});

/** Loads the shipped model (from `modelUrl`, or the package's own) and captions `pixels(image)`. */
export async function captionScene(recap, modelUrl, pixels = (img) => img) {
  await recap.init({ threads: 1 }); // sampling one scene needs no threads (and no second note)
  const { model } = await recap.loadPretrained(modelUrl);
  const image = pixels(recap.renderScene(scene(recap), recap.FEATURE_SIZE));
  const features = recap.tensor(recap.extractFeatures(image), [1, recap.FEATURE_DIM]);
  const caption = recap.decodeCaptions(model.sample(features, { maxLength: 12 }), model.idxToWord)[0];
  model.dispose();
  recap.dispose();
  return caption;
}
