// The provider's test set and secrets, in the browser only: read the test
// set, shuffle and split it, draw each portion's salt with
// crypto.getRandomValues, hash the portions as the contract does, and write
// or read back the secrets file (the same "decai-market-portions/1" file as
// `ape run market commit --out` writes, so either can reveal). Nothing here
// talks to the server.
import { UserError } from "./core.js";
import { keccak256, toHex, fromHex, encodeArraysAndSalt, packUint32 } from "./keccak.js";

export const FORMAT = "decai-market-portions/1";

function index(name, line, where, text) {
  const value = typeof text === "number" ? text : String(text).trim();
  if (typeof value === "number" ? !Number.isInteger(value) || value < 0 : !/^\d+$/.test(value)) {
    throw new UserError(`${name}:${line}: ${where}: ${JSON.stringify(text)} is not a feature index (a whole number from 0)`);
  }
  return Number(value);
}
function label(name, line, where, text) {
  const value = String(text).trim();
  if (value !== "0" && value !== "1") throw new UserError(`${name}:${line}: ${where}: ${JSON.stringify(text)} is not a label (0 or 1)`);
  return Number(value);
}
const lineOf = (text, position) => text.slice(0, Math.max(0, position)).split("\n").length;

// {samples, labels} from a JSON ({"samples": [[...]], "labels": [...]}) or
// CSV (`label,indices separated by spaces`, header optional) file's text.
export function parseTestSet(name, text) {
  const samples = [], labels = [], lines = [];
  if (/\.json$/i.test(name)) {
    let data;
    try { data = JSON.parse(text); } catch (error) { throw new UserError(`${name} is not valid JSON: ${error.message}`); }
    if (!data || !Array.isArray(data.samples) || !Array.isArray(data.labels)) {
      throw new UserError(`${name}: expected {"samples": [[indices], ...], "labels": [0 or 1, ...]}`);
    }
    if (data.samples.length !== data.labels.length) {
      throw new UserError(`${name}: ${data.samples.length} samples but ${data.labels.length} labels; give one label per sample`);
    }
    const at = lineOf(text, text.indexOf('"samples"'));
    data.samples.forEach((s, i) => {
      if (!Array.isArray(s)) throw new UserError(`${name}:${at}: samples[${i}]: a sample is a list of feature indices`);
      samples.push(s.map((f) => index(name, at, `samples[${i}]`, f)).sort((a, b) => a - b));
      labels.push(label(name, at, `labels[${i}]`, data.labels[i]));
      lines.push(at);
    });
  } else {
    text.split(/\r?\n/).forEach((line, i) => {
      const stripped = line.trim();
      if (!stripped || (i === 0 && !/^\d/.test(stripped))) return;
      const comma = line.indexOf(",");
      if (comma < 0) throw new UserError(`${name}:${i + 1}: expected \`label,indices\` (e.g. \`1,3 17 40\`), got ${JSON.stringify(stripped)}`);
      labels.push(label(name, i + 1, "column 'label'", line.slice(0, comma)));
      samples.push(line.slice(comma + 1).trim().split(/\s+/).filter(Boolean).map((f) => index(name, i + 1, "column 'sample'", f)).sort((a, b) => a - b));
      lines.push(i + 1);
    });
  }
  if (!samples.length) throw new UserError(`${name}: no samples`);
  return { name, samples, labels, lines };
}

function checkSample(sample, numFeatures, limits, what) {
  if (sample.length > limits.max_sample_length) throw new UserError(`${what} has ${sample.length} features; at most ${limits.max_sample_length} are allowed`);
  for (let i = 1; i < sample.length; i++) if (sample[i] === sample[i - 1]) throw new UserError(`${what}: feature ${sample[i]} appears twice`);
  if (sample.length && sample[sample.length - 1] >= numFeatures) {
    throw new UserError(`${what}: feature index ${sample[sample.length - 1]} is out of range (the model has ${numFeatures} features)`);
  }
}

function randomIndex(n) {
  const limit = Math.floor(0x100000000 / n) * n; // rejection sampling: no modulo bias
  const buffer = new Uint32Array(1);
  do crypto.getRandomValues(buffer); while (buffer[0] >= limit);
  return buffer[0] % n;
}

export function portionHash(portion) {
  const flat = portion.samples.flat();
  return toHex(keccak256(encodeArraysAndSalt(packUint32(flat), portion.samples.map((s) => s.length), portion.labels, fromHex(portion.salt))));
}

// Shuffle (crypto.getRandomValues), split into `count` near-equal portions,
// salt and hash them; UserError for anything the contract would refuse.
export function splitTestSet({ name, samples, labels, lines }, count, numFeatures, limits) {
  samples.forEach((s, i) => checkSample(s, numFeatures, limits, `${name}:${lines[i]}: sample`));
  if (!(count >= limits.min_portions && count <= limits.max_portions)) throw new UserError(`Split the test set into ${limits.min_portions} to ${limits.max_portions} portions.`);
  if (samples.length < count) throw new UserError(`${samples.length} test samples cannot fill ${count} portions.`);
  const order = samples.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) { const j = randomIndex(i + 1); [order[i], order[j]] = [order[j], order[i]]; }
  const portions = [];
  for (let p = 0; p < count; p++) {
    const chosen = order.slice(Math.floor(p * samples.length / count), Math.floor((p + 1) * samples.length / count));
    const salt = crypto.getRandomValues(new Uint8Array(32));
    const portion = { samples: chosen.map((i) => samples[i]), labels: chosen.map((i) => labels[i]), salt: toHex(salt) };
    const indices = portion.samples.reduce((n, s) => n + s.length, 0);
    if (portion.samples.length > limits.max_portion_samples || indices > limits.max_portion_indices) {
      throw new UserError(`A portion may hold at most ${limits.max_portion_samples} samples and ${limits.max_portion_indices} feature indices; use more portions.`);
    }
    portions.push(portion);
  }
  const sizes = portions.map((p) => p.samples.length), counts = portions.map((p) => p.samples.reduce((n, s) => n + s.length, 0));
  const sum = (a) => a.reduce((x, y) => x + y, 0);
  if (sum(sizes) - Math.min(...sizes) > limits.max_test_samples || sum(counts) - Math.min(...counts) > limits.max_test_indices) {
    throw new UserError(`The evaluated test set may hold at most ${limits.max_test_samples} samples and ${limits.max_test_indices} feature indices; use a smaller test set.`);
  }
  return portions.map((p) => ({ ...p, hash: portionHash(p) }));
}

export function secretsDocument(market, portions) {
  const body = { format: FORMAT, market, portions: portions.map(({ samples, labels, salt }) => ({ samples, labels, salt })) };
  return JSON.stringify(body, null, 1) + "\n";
}

// Offer `text` as a file download (a Blob URL; nothing leaves the browser).
export function download(filename, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const link = Object.assign(document.createElement("a"), { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// The portions of a secrets file, each checked against the committed hashes.
export function readSecrets(name, text, market, hashes) {
  let data;
  try { data = JSON.parse(text); } catch (error) { throw new UserError(`${name} is not a secrets file: it is not valid JSON.`); }
  if (!data || data.format !== FORMAT || !Array.isArray(data.portions)) throw new UserError(`${name} is not a decai secrets file (format ${FORMAT}).`);
  if (data.market && market && data.market.toLowerCase() !== market.toLowerCase()) {
    throw new UserError(`${name} holds the secrets of the market ${data.market}, not of this one (${market}): nothing was sent.`);
  }
  if (data.portions.length !== hashes.length) {
    throw new UserError(`${name} holds ${data.portions.length} portions; this market committed ${hashes.length}: nothing was sent.`);
  }
  data.portions.forEach((p, i) => {
    let hash;
    try { hash = portionHash(p); } catch (error) { throw new UserError(`${name}: portion ${i} is not readable (${error.message}).`); }
    if (hash !== hashes[i]) throw new UserError(`${name} does not match this market's commitment: portion ${i} hashes to ${hash.slice(0, 10)}…, the committed hash is ${hashes[i].slice(0, 10)}…. Nothing was sent.`);
  });
  return data.portions;
}
