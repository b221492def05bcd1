// Keccak-256 (Ethereum's: the original padding, not SHA3-256's) and the few
// ABI encodings a market's portion hash needs. Written here so the page
// hashes the provider's test set without sending it anywhere and without
// third-party code. 64-bit lanes are BigInts: a portion is at most a few
// tens of kilobytes, which this hashes in well under a second.

const MASK = (1n << 64n) - 1n;
const ROUND_CONSTANTS = [
  0x0000000000000001n, 0x0000000000008082n, 0x800000000000808An, 0x8000000080008000n,
  0x000000000000808Bn, 0x0000000080000001n, 0x8000000080008081n, 0x8000000000008009n,
  0x000000000000008An, 0x0000000000000088n, 0x0000000080008009n, 0x000000008000000An,
  0x000000008000808Bn, 0x800000000000008Bn, 0x8000000000008089n, 0x8000000000008003n,
  0x8000000000008002n, 0x8000000000000080n, 0x000000000000800An, 0x800000008000000An,
  0x8000000080008081n, 0x8000000000008080n, 0x0000000080000001n, 0x8000000080008008n,
];
// Rotation of lane (x, y), at index x + 5y.
const ROTATIONS = [0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14].map(BigInt);
const RATE = 136; // bytes absorbed per permutation for a 256-bit output

function rotl(lane, n) { return n === 0n ? lane : ((lane << n) | (lane >> (64n - n))) & MASK; }

function permute(s) {
  const c = new Array(5), b = new Array(25);
  for (const rc of ROUND_CONSTANTS) {
    for (let x = 0; x < 5; x++) c[x] = s[x] ^ s[x + 5] ^ s[x + 10] ^ s[x + 15] ^ s[x + 20];
    for (let x = 0; x < 5; x++) {
      const d = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1n);
      for (let y = 0; y < 25; y += 5) s[x + y] ^= d;
    }
    for (let x = 0; x < 5; x++) for (let y = 0; y < 5; y++) b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(s[x + 5 * y], ROTATIONS[x + 5 * y]);
    for (let y = 0; y < 25; y += 5) for (let x = 0; x < 5; x++) s[x + y] = b[x + y] ^ ((b[(x + 1) % 5 + y] ^ MASK) & b[(x + 2) % 5 + y]);
    s[0] ^= rc;
  }
}

// keccak256(bytes) -> Uint8Array(32)
export function keccak256(bytes) {
  const padded = new Uint8Array((Math.floor(bytes.length / RATE) + 1) * RATE);
  padded.set(bytes);
  padded[bytes.length] ^= 0x01;
  padded[padded.length - 1] ^= 0x80;
  const s = new Array(25).fill(0n);
  for (let offset = 0; offset < padded.length; offset += RATE) {
    for (let i = 0; i < RATE / 8; i++) {
      let lane = 0n;
      for (let k = 7; k >= 0; k--) lane = (lane << 8n) | BigInt(padded[offset + 8 * i + k]);
      s[i] ^= lane;
    }
    permute(s);
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < 4; i++) for (let k = 0; k < 8; k++) out[8 * i + k] = Number((s[i] >> BigInt(8 * k)) & 0xffn);
  return out;
}

export function toHex(bytes) { return "0x" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(""); }
export function fromHex(text) {
  const clean = String(text).replace(/^0x/, "");
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new Error(`${text} is not hexadecimal`);
  return Uint8Array.from(clean.match(/../g) || [], (h) => parseInt(h, 16));
}

// One 32-byte ABI word holding the unsigned integer `value` (a BigInt or number).
function word(value) {
  const out = new Uint8Array(32);
  let v = BigInt(value);
  for (let i = 31; i >= 0 && v > 0n; i--) { out[i] = Number(v & 0xffn); v >>= 8n; }
  return out;
}

// abi_encode(a: uint256[], b: uint256[], c: uint64[], salt: bytes32): three
// dynamic arrays (offsets in the head) and one static word.
export function encodeArraysAndSalt(a, b, c, salt) {
  const arrays = [a, b, c];
  const parts = [];
  let offset = 4 * 32;
  for (const array of arrays) { parts.push(word(offset)); offset += 32 * (array.length + 1); }
  parts.push(salt);
  for (const array of arrays) { parts.push(word(array.length)); for (const v of array) parts.push(word(v)); }
  const out = new Uint8Array(parts.length * 32);
  parts.forEach((p, i) => out.set(p, 32 * i));
  return out;
}

// Feature indices as uint32, eight to a word: index p in bits 32 * (p % 8) of word p // 8.
export function packUint32(values) {
  const words = new Array(Math.ceil(values.length / 8)).fill(0n);
  values.forEach((v, p) => { words[Math.floor(p / 8)] |= BigInt(v) << BigInt(32 * (p % 8)); });
  return words;
}
