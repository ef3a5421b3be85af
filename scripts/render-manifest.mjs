#!/usr/bin/env node
// Renders the Office add-in manifest for one deployment.
//
//   ADDIN_ORIGIN=https://addin.example.com node scripts/render-manifest.mjs [--origin URL] [--out PATH]
//
// The root manifest.xml is the development manifest and uses
// https://localhost:3000 for every URL. This replaces that origin with the
// deployment's, so one variable decides where Office loads the add-in from.
// --origin wins over ADDIN_ORIGIN; with neither the development origin stays.
// Writes addin/dist/manifest.xml unless --out says otherwise.
//
// Exit codes: 0 written, 2 bad origin or arguments, 1 anything else.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const DEV_ORIGIN = "https://localhost:3000";
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function fail(message) {
  process.stderr.write(`render-manifest: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const args = { origin: undefined, out: undefined };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag !== "--origin" && flag !== "--out") fail(`unknown argument ${JSON.stringify(flag)}`);
    const value = argv[++i];
    if (value === undefined) fail(`${flag} needs a value`);
    args[flag.slice(2)] = value;
  }
  return args;
}

// Office refuses http add-ins, and every URL in the manifest is built as
// origin + path, so anything beyond scheme://host[:port] would corrupt them.
function checkOrigin(origin) {
  const refuse = (why) =>
    fail(`refusing origin ${JSON.stringify(origin)}: ${why} (want https://host[:port])`);
  if (origin.includes("*")) refuse("wildcards are not allowed");
  let url;
  try {
    url = new URL(origin);
  } catch {
    refuse("not a URL");
  }
  if (url.protocol !== "https:") refuse("must be https");
  if (url.username || url.password) refuse("must not contain user info");
  if (url.search || origin.includes("?")) refuse("must not contain a query");
  if (url.hash || origin.includes("#")) refuse("must not contain a fragment");
  // URL normalises an empty path to "/", so compare against the input too.
  if (url.pathname !== "/" || origin.replace(/^https:\/\/[^/]*/i, "") !== "") {
    refuse("must not contain a path");
  }
  if (!url.hostname) refuse("has no host");
  return url.origin;
}

const args = parseArgs(process.argv.slice(2));
const requested = args.origin ?? process.env.ADDIN_ORIGIN ?? DEV_ORIGIN;
const origin = checkOrigin(requested);
const out = resolve(args.out ?? resolve(repoRoot, "addin/dist/manifest.xml"));

const source = readFileSync(resolve(repoRoot, "manifest.xml"), "utf8");
const rendered = source.replaceAll(DEV_ORIGIN, origin);

mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, rendered);
process.stdout.write(`render-manifest: wrote ${out} for ${origin}\n`);
