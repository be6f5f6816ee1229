// Bundles src/main.ts and src/styles.css into dist/ with content-hashed names, and writes
// dist/index.html naming them (docs/dashboard.md). Run by `npm run build` after the type check.
import { build } from "esbuild";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";

const dist = "dist";
await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });
const result = await build({
  entryPoints: { app: "src/main.ts", styles: "src/styles.css" },
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  entryNames: "[name]-[hash]",
  // ECharts is imported dynamically (src/charts.ts): its own chunk, fetched beside the app script.
  splitting: true,
  chunkNames: "chunk-[hash]",
  outdir: dist,
  metafile: true,
  legalComments: "linked",
  logLevel: "warning",
});
const outputs = Object.keys(result.metafile.outputs).map((file) => path.basename(file));
const script = outputs.find((f) => f.startsWith("app-") && f.endsWith(".js"));
const styles = outputs.find((f) => f.startsWith("styles-") && f.endsWith(".css"));
if (!script || !styles) throw new Error("esbuild wrote no app script or stylesheet");
const chunks = outputs.filter((f) => f.startsWith("chunk-") && f.endsWith(".js"));
// The chunks are named in the page too, so the browser fetches them with the app script instead
// of after evaluating it.
const page = (await readFile("src/index.html", "utf8"))
  .replace("%SCRIPT%", `/dashboard/${script}`)
  .replace("%PRELOAD%", chunks.map((f) => `<link rel="modulepreload" href="/dashboard/${f}">`).join("\n  "))
  .replace("%STYLES%", `/dashboard/${styles}`);
await writeFile(path.join(dist, "index.html"), page);
let gzipped = 0;
for (const file of [script, ...chunks]) gzipped += gzipSync(await readFile(path.join(dist, file)), { level: 9 }).length;
console.log(`dashboard: ${[script, ...chunks].join(" + ")} ${(gzipped / 1024).toFixed(1)} KB gzipped`);
if (gzipped > 500 * 1024) throw new Error(`the script bundle is ${gzipped} bytes gzipped, over the 500 KB budget`);
