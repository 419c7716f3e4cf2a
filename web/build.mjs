// Bundles and minifies the viewer for the C++ build (CMake runs this):
//   node web/build.mjs OUT_DIR   ->   OUT_DIR/graph_page.{js,css}, OUT_DIR/report_page.{js,css}
// esbuild's JavaScript API, so it works whether or not its install script ran.
import path from 'node:path';
import {fileURLToPath} from 'node:url';

import {build} from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
await build({
  entryPoints: [path.join(here, 'src', 'graph_page.js'), path.join(here, 'src', 'report_page.js')],
  outdir: process.argv[2],
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  charset: 'utf8',
  legalComments: 'none',
  logLevel: 'warning',
});
