// Stands in for `sharp` (image decoding, a native package) in the GPU machine's bundle: transformers.js requires it
// when it loads, and the benchmark never touches an image.
module.exports = function sharp() {
  throw new Error('sharp is not in the GPU bundle: the benchmark reads no images.');
};
