// The accuracy chart: inline SVG drawn here, from the monitor's series
// (rows of {timestamp, block, accuracy, contributions, ...}). Time runs
// left to right; accuracy (0-100%, left axis) is the solid line,
// contributions (0 to the most measured, right axis) the dashed one. Each
// point is a <circle> carrying its row's values in data-* attributes, and
// the plot area is on the <svg> (data-plot="left top width height"), so
// what is drawn can be checked against the series.
import { esc, date } from "./core.js";

const W = 640, H = 260, PAD = { left: 48, right: 48, top: 16, bottom: 40 };

export function scales(rows) {
  const width = W - PAD.left - PAD.right, height = H - PAD.top - PAD.bottom;
  const t0 = Math.min(...rows.map((r) => r.timestamp)), t1 = Math.max(...rows.map((r) => r.timestamp));
  const most = Math.max(1, ...rows.map((r) => r.contributions));
  return {
    width, height, most, t0, t1,
    x: (t) => PAD.left + (t1 > t0 ? ((t - t0) / (t1 - t0)) * width : width / 2),
    yAccuracy: (a) => PAD.top + (1 - a) * height,
    yCount: (n) => PAD.top + (1 - n / most) * height,
  };
}

const round = (v) => Math.round(v * 100) / 100;

export function accuracyChart(rows) {
  if (!rows.length) return "";
  const s = scales(rows);
  const line = (y, key) => rows.map((r, i) => `${i ? "L" : "M"}${round(s.x(r.timestamp))},${round(y(r[key]))}`).join(" ");
  const bottom = PAD.top + s.height, right = PAD.left + s.width;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((a) => `
    <line class="grid" x1="${PAD.left}" x2="${right}" y1="${round(s.yAccuracy(a))}" y2="${round(s.yAccuracy(a))}"/>
    <text class="tick" x="${PAD.left - 6}" y="${round(s.yAccuracy(a)) + 4}" text-anchor="end">${a * 100}%</text>`).join("");
  const counts = [0, s.most].map((n) => `<text class="tick" x="${right + 6}" y="${round(s.yCount(n)) + 4}">${n}</text>`).join("");
  const point = (r, cls, y, value) => `<circle class="${cls}" r="4" cx="${round(s.x(r.timestamp))}" cy="${round(y(value))}"
      data-block="${r.block}" data-timestamp="${r.timestamp}" data-accuracy="${r.accuracy}" data-contributions="${r.contributions}">
      <title>block ${r.block}, ${esc(date(r.timestamp))}: accuracy ${(r.accuracy * 100).toFixed(1)}%, ${r.contributions} contributions, ${esc(r.deposits_held.eth)} held, ${r.reports} reports</title></circle>`;
  const first = rows[0], last = rows[rows.length - 1];
  return `<svg id="accuracy-chart" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="accuracy-chart-title"
      data-plot="${PAD.left} ${PAD.top} ${s.width} ${s.height}" data-most="${s.most}" data-t0="${s.t0}" data-t1="${s.t1}">
    <title id="accuracy-chart-title">Accuracy from ${(first.accuracy * 100).toFixed(1)}% to ${(last.accuracy * 100).toFixed(1)}% and contributions from ${first.contributions} to ${last.contributions}, over ${rows.length} measurement(s)</title>
    ${ticks}${counts}
    <line class="axis" x1="${PAD.left}" x2="${right}" y1="${bottom}" y2="${bottom}"/>
    <text class="tick" x="${PAD.left}" y="${bottom + 18}">${esc(date(s.t0))}</text>
    <text class="tick" x="${right}" y="${bottom + 18}" text-anchor="end">${esc(date(s.t1))}</text>
    <text class="tick" x="${PAD.left + s.width / 2}" y="${bottom + 34}" text-anchor="middle">time</text>
    <path class="series accuracy-line" fill="none" stroke="currentColor" stroke-width="2" d="${line(s.yAccuracy, "accuracy")}"/>
    <path class="series contributions-line" fill="none" stroke="currentColor" stroke-width="1.5" stroke-dasharray="5 4" d="${line(s.yCount, "contributions")}"/>
    ${rows.map((r) => point(r, "accuracy-point", s.yAccuracy, r.accuracy)).join("")}
    ${rows.map((r) => point(r, "contributions-point", s.yCount, r.contributions)).join("")}
  </svg>`;
}
