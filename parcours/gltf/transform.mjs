// parcours: glTF document transforms run by parcours/gltf/optimize.py, built on glTF Transform.
//
//   node transform.mjs plain IN OUT
//       Decode every compression extension (Draco, meshopt, quantization) and write a plain GLB
//       that any parser (trimesh, USD export, poster renderer) can read safely.
//   node transform.mjs pack IN OUT
//       The source as one GLB and nothing else changed (compression extensions re-encoded as
//       they were): what a .gltf with its files weighs once a phone downloads it in one file.
//   node transform.mjs phone IN OUT OPTIONS_JSON
//       The phone variant: weld, simplify with meshoptimizer to a ratio, resize and re-encode
//       textures (each kept in its former encoding when that is smaller), then compress
//       geometry ("meshopt", "draco"), only quantize it ("quantize") or neither ("none").
//
// Prints one JSON line of facts on stdout; exits 2 with a message on stderr on failure.
import { ImageUtils, Logger, NodeIO } from '@gltf-transform/core';
import { ALL_EXTENSIONS } from '@gltf-transform/extensions';
import {
  createTransform, dedup, dequantize, draco, flatten, instance, join, meshopt, palette, prune,
  quantize, resample, simplify, sparse, textureCompress, unpartition, weld,
} from '@gltf-transform/functions';
import draco3d from 'draco3dgltf';
import { MeshoptDecoder, MeshoptEncoder, MeshoptSimplifier } from 'meshoptimizer';
import sharp from 'sharp';

const COMPRESSION = ['EXT_meshopt_compression', 'KHR_draco_mesh_compression',
  'KHR_mesh_quantization'];
// What the phone viewer decodes without an extra transcoder.
const VIEWER_IMAGES = ['image/png', 'image/jpeg', 'image/webp'];

async function makeIO() {
  await MeshoptDecoder.ready;
  await MeshoptEncoder.ready;
  return new NodeIO()
    .registerExtensions(ALL_EXTENSIONS)
    .registerDependencies({
      'draco3d.decoder': await draco3d.createDecoderModule(),
      'draco3d.encoder': await draco3d.createEncoderModule(),
      'meshopt.decoder': MeshoptDecoder,
      'meshopt.encoder': MeshoptEncoder,
    });
}

function dropCompression(document) {
  for (const extension of document.getRoot().listExtensionsUsed()) {
    if (COMPRESSION.includes(extension.extensionName)) extension.dispose();
  }
}

function countTriangles(document) {
  let triangles = 0;
  for (const mesh of document.getRoot().listMeshes()) {
    for (const prim of mesh.listPrimitives()) {
      const indices = prim.getIndices();
      const position = prim.getAttribute('POSITION');
      const count = indices ? indices.getCount() : position ? position.getCount() : 0;
      const mode = prim.getMode();
      if (mode === 4) triangles += Math.floor(count / 3);
      else if (mode === 5 || mode === 6) triangles += Math.max(0, count - 2);
    }
  }
  return triangles;
}

// Re-encoding does not always pay: a tiny palette texture weighs 133 B as PNG, 232 B as WebP.
// Around textureCompress, keep for each texture the smaller of its encodings before and after,
// the former only when it is within the size budget and in a format the viewer reads; a tie
// keeps the former (not re-encoded). Returns the two transforms to run on either side.
function keepSmallerTextures(maxSize) {
  const before = new Map();
  const remember = createTransform('remember-textures', (document) => {
    for (const texture of document.getRoot().listTextures()) {
      const image = texture.getImage();
      const mimeType = texture.getMimeType();
      if (!image || !VIEWER_IMAGES.includes(mimeType)) continue;
      const size = ImageUtils.getSize(image, mimeType);
      if (!size || size[0] > maxSize || size[1] > maxSize) continue;
      before.set(texture, { image, mimeType, uri: texture.getURI() });
    }
  });
  const restore = createTransform('keep-smaller-textures', (document) => {
    const root = document.getRoot();
    for (const [texture, kept] of before) {
      if (texture.isDisposed()) continue;
      const image = texture.getImage();
      if (image && image.byteLength < kept.image.byteLength) continue;
      texture.setImage(kept.image).setMimeType(kept.mimeType).setURI(kept.uri);
    }
    if (!root.listTextures().some((texture) => texture.getMimeType() === 'image/webp')) {
      for (const extension of root.listExtensionsUsed()) {
        if (extension.extensionName === 'EXT_texture_webp') extension.dispose();
      }
    }
  });
  return [remember, restore];
}

async function read(io, input) {
  const document = await io.read(input);
  document.setLogger(new Logger(Logger.Verbosity.WARN)); // keep stdout for our JSON line
  return document;
}

async function plain(io, input, output) {
  const document = await read(io, input);
  await document.transform(dequantize());
  dropCompression(document);
  await document.transform(unpartition()); // a GLB holds one buffer
  await io.write(output, document);
  return { triangles: countTriangles(document) };
}

async function pack(io, input, output) {
  const document = await read(io, input);
  await document.transform(unpartition());
  await io.write(output, document);
  return { triangles: countTriangles(document) };
}

async function phone(io, input, output, options) {
  const document = await read(io, input);
  await document.transform(dequantize());
  dropCompression(document);
  const before = countTriangles(document);
  // flatten + join: a schematic model is made of many small parts; one mesh per material
  // draws faster and its JSON shrinks (animated and skinned nodes are left as they are).
  const steps = [dedup(), instance({ min: 5 }), palette({ min: 5 }), flatten(), join(), weld()];
  // Within budget, simplify only what changes nothing visible (error 1e-4 of the extent, as
  // glTF Transform's optimize); over budget, down to the ratio with a looser error.
  // The simplifier would delete point and line primitives and bend morph targets: such
  // documents are only simplified when over budget.
  const trianglesOnly = document.getRoot().listMeshes().every((mesh) => mesh.listPrimitives()
    .every((prim) => prim.getMode() >= 4 && prim.listTargets().length === 0));
  if (options.ratio < 1) {
    steps.push(simplify({ simplifier: MeshoptSimplifier, ratio: options.ratio,
      error: options.error, lockBorder: false }));
  } else if (trianglesOnly) {
    steps.push(simplify({ simplifier: MeshoptSimplifier, ratio: 0, error: 0.0001,
      lockBorder: false }));
  }
  steps.push(resample(), prune(), sparse());
  const textureOptions = { encoder: sharp, resize: [options.textureSize, options.textureSize] };
  if (options.textureFormat !== 'auto') textureOptions.targetFormat = options.textureFormat;
  const [remember, restore] = keepSmallerTextures(options.textureSize);
  steps.push(remember, textureCompress(textureOptions), restore);
  if (options.compress === 'meshopt') steps.push(meshopt({ encoder: MeshoptEncoder, level: 'high' }));
  else if (options.compress === 'draco') steps.push(draco({ method: 'edgebreaker' }));
  else if (options.compress === 'quantize') steps.push(quantize());
  steps.push(unpartition());
  await document.transform(...steps);
  await io.write(output, document);
  return { triangles_before: before, triangles: countTriangles(document) };
}

async function main() {
  const [command, input, output, optionsJson] = process.argv.slice(2);
  const io = await makeIO();
  let facts;
  if (command === 'plain') facts = await plain(io, input, output);
  else if (command === 'pack') facts = await pack(io, input, output);
  else if (command === 'phone') facts = await phone(io, input, output, JSON.parse(optionsJson));
  else throw new Error(`unknown command ${command}`);
  process.stdout.write(`${JSON.stringify(facts)}\n`);
}

main().catch((error) => {
  process.stderr.write(`transform failed: ${error && error.message ? error.message : error}\n`);
  process.exit(2);
});
