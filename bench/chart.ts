// A small SVG bar chart of the run's ratios, one bar per scenario, with its target marked.
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export interface ChartBar {
  label: string;
  ratio: number;
  target: string;
  pass: boolean;
}

export function chartSvg(bars: ChartBar[], caption: string): string {
  const left = 560;
  const width = 300;
  const rowH = 26;
  const top = 40;
  const max = Math.max(1.2, ...bars.map((b) => b.ratio));
  const x = (v: number) => left + (v / max) * width;
  const height = top + bars.length * rowH + 40;
  const rows = bars.map((b, i) => {
    const y = top + i * rowH;
    const threshold = /([\d.]+) x/.exec(b.target)?.[1];
    const mark = threshold
      ? `<line x1="${x(Number(threshold))}" x2="${x(Number(threshold))}" y1="${y}" y2="${y + rowH - 6}" stroke="#111" stroke-dasharray="3 2"/>`
      : '';
    return [
      `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(b.label)}</text>`,
      `<rect x="${left}" y="${y + 2}" width="${Math.max(1, x(b.ratio) - left)}" height="${rowH - 10}" fill="${b.pass ? '#2f7d4f' : '#b3261e'}"/>`,
      mark,
      `<text x="${x(b.ratio) + 6}" y="${y + 15}">${b.ratio.toFixed(2)}</text>`,
    ].join('');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 60}" height="${height}" font-family="sans-serif" font-size="12">
<title>Benchmark ratios</title>
<text x="10" y="20" font-size="14" font-weight="bold">Ratios against the baselines (dashed line: target; green: met)</text>
${rows.join('\n')}
<line x1="${x(1)}" x2="${x(1)}" y1="${top - 4}" y2="${top + bars.length * rowH}" stroke="#888"/>
<text x="10" y="${height - 12}" fill="#555">${esc(caption)}</text>
</svg>
`;
}
