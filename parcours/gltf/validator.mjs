// Run the Khronos glTF-Validator (npm `gltf-validator`) on one file and print its report.
//
// Usage: node validator.mjs <file.gltf|file.glb>
// Prints the report as JSON on stdout and exits 0, whatever the report says.
// Exits 2 with a message on stderr when the validator itself could not run.
//
// External resources (buffers, images) are read only when their URI is a plain relative path
// that stays inside the file's folder; anything else is refused, so the validator reports it
// (IO_ERROR) instead of reading it. parcours/gltf/reference.py runs this script with limits.

import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MAX_ISSUES = 1000;
// Our policy (see docs/models.md): glTF 2.0 makes tangents optional and viewers (three.js,
// model-viewer) derive a tangent space when a material needs one, so a primitive without
// tangents is something to know, not a broken model. Khronos' own sample models trip it.
const SEVERITY_OVERRIDES = { MESH_PRIMITIVE_NO_TANGENT_SPACE: 1 };
const FORMATS = { '.glb': 'glb', '.gltf': 'gltf' };
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

// This file lives in <repo>/parcours/gltf/; the Node tools are installed in <repo>/node_modules.
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(REPO, 'package.json'));

function fail(message) {
  process.stderr.write(`validator.mjs: ${message}\n`);
  process.exitCode = 2;
}

// Why `uri` may not be read, or null when it is a plain relative path.
function refusal(uri) {
  if (uri.includes('\\')) return 'backslash in URI';
  if (uri.includes('\0')) return 'NUL in URI';
  if (SCHEME.test(uri)) return 'URI has a scheme';
  if (uri.startsWith('/')) return 'absolute path';
  const normal = path.posix.normalize(uri);
  if (normal === '..' || normal.startsWith('../') || normal.split('/').includes('..')) {
    return 'path leaves the folder';
  }
  return null;
}

function isInside(folder, target) {
  const rel = path.relative(folder, target);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

function resourceReader(folder) {
  return async (uri) => {
    let decoded;
    try {
      decoded = decodeURIComponent(uri);
    } catch {
      throw new Error(`refused external resource ${JSON.stringify(uri)}: bad percent-encoding`);
    }
    const why = refusal(decoded) ?? refusal(uri);
    if (why) throw new Error(`refused external resource ${JSON.stringify(uri)}: ${why}`);
    const target = path.resolve(folder, decoded);
    // Resolve symbolic links too: a link inside the folder must not lead outside it.
    const realFolder = await fs.realpath(folder);
    const realTarget = await fs.realpath(target);
    if (!isInside(realFolder, realTarget)) {
      throw new Error(`refused external resource ${JSON.stringify(uri)}: outside the folder`);
    }
    const stat = await fs.stat(realTarget);
    if (!stat.isFile()) throw new Error(`refused external resource ${JSON.stringify(uri)}: not a file`);
    return new Uint8Array(await fs.readFile(realTarget));
  };
}

async function main(argv) {
  if (argv.length !== 1) {
    fail('usage: node validator.mjs <file.gltf|file.glb>');
    return;
  }
  const file = path.resolve(argv[0]);
  let validator;
  try {
    validator = require(path.join(REPO, 'node_modules', 'gltf-validator'));
  } catch (error) {
    fail(`cannot load gltf-validator from ${REPO}/node_modules (run npm ci): ${error}`);
    return;
  }
  const bytes = new Uint8Array(await fs.readFile(file));
  const options = {
    uri: path.basename(file),
    maxIssues: MAX_ISSUES,
    writeTimestamp: false,
    severityOverrides: SEVERITY_OVERRIDES,
    externalResourceFunction: resourceReader(path.dirname(file)),
  };
  const format = FORMATS[path.extname(file).toLowerCase()];
  if (format) options.format = format;
  const report = await validator.validateBytes(bytes, options);
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exitCode = 0;
}

// The validator (Dart compiled to JS) throws some errors, e.g. a stack overflow on deeply nested
// JSON, outside its promise: report them the same way.
process.on('uncaughtException', (error) => {
  fail(`validator crashed: ${error?.stack ?? error}`);
  process.exit(2);
});
main(process.argv.slice(2)).catch((error) => fail(`validation failed: ${error?.stack ?? error}`));
