// The experiment arithmetic checked against textbook values and against the same statistics
// computed the long way (every impression as its own 0 or donor total), then simulated: equal
// variants must rarely be called a winner, and a real difference usually must be.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { analyse, type VariantInput } from '../../lib/experiments/stats.ts';

// Normal quantiles, from Python's statistics.NormalDist().inv_cdf: 95% two-sided, and 95% shared
// by 2 and by 3 comparisons (Bonferroni).
const Z_95 = 1.959963984540054;
const Z_95_OF_2 = 2.241402727604947;
const Z_95_OF_3 = 2.3939797998185104;

function variant(key: string, impressions: number, donorTotals: number[], clicks = 0, checkouts = 0): VariantInput {
  return { key, name: `${key.toUpperCase()}: letter ${key}`, impressions, clicks, checkouts, donorTotals };
}

/** donors gifts of the same amount. */
const gifts = (donors: number, amount = 2500) => Array<number>(donors).fill(amount);

const dollars = (minor: number) => `$${(minor / 100).toFixed(2)}`;

/** Within tolerance, relative above 1. The module's quantiles rest on the library's erf, good to about 1e-7. */
function close(actual: number | undefined, expected: number, tolerance: number, what = 'value') {
  const off = actual === undefined ? Infinity : Math.abs(actual - expected);
  assert.ok(off <= tolerance * Math.max(1, Math.abs(expected)), `${what}: ${actual} is not ${expected}`);
}

/** Mean and sample variance over every impression, zeros spelled out: the module's method the long way. */
function longWay(v: VariantInput): { mean: number; variance: number } {
  const values = [...v.donorTotals, ...Array<number>(v.impressions - v.donorTotals.length).fill(0)];
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1);
  return { mean, variance };
}

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const AMOUNTS = [500, 1000, 2500, 2500, 5000, 10_000, 25_000];

/** One variant's readers: each gives with probability rate, an amount drawn from AMOUNTS. */
function simulated(random: () => number, key: string, impressions: number, rate: number): VariantInput {
  const totals: number[] = [];
  for (let i = 0; i < impressions; i++) {
    if (random() < rate) totals.push(AMOUNTS[Math.floor(random() * AMOUNTS.length)]!);
  }
  return variant(key, impressions, totals);
}

describe('experiment statistics', () => {
  it('when conversion is known from the textbook, then the Wilson interval matches it', () => {
    // Newcombe (1998), Statistics in Medicine 17:857, Table I, method 3 (score interval).
    const cases: Array<[number, number, number, number]> = [
      [81, 263, 0.2553, 0.3662],
      [15, 148, 0.0624, 0.1605],
      [0, 20, 0, 0.1611],
      [1, 29, 0.0061, 0.1718],
    ];
    const { variants } = analyse(cases.map(([x, n], i) => variant('abcd'[i]!, n, gifts(x))));
    cases.forEach(([x, n, low, high], i) => {
      const c = variants[i]!.conversion!;
      close(c.value, x / n, 1e-12, `${x}/${n}`);
      close(c.low, low, 5e-5, `${x}/${n} low`);
      close(c.high, high, 5e-5, `${x}/${n} high`);
    });
  });

  it('when money per impression is computed, then it matches the mean and variance over every impression', () => {
    const a = variant('a', 1500, [500, 1000, 2500, 2500, 5000, 10_000, 0, 2500, 1000, 2500, 7500, 2500]);
    const b = variant('b', 1200, [2500, 5000, 2500, 10_000, 25_000, 1000, 2500, 5000, 2500, 5000, 2500, 10_000, 500]);
    const { variants, verdict } = analyse([a, b], { minImpressions: 0, minDonors: 0 });
    const [la, lb] = [longWay(a), longWay(b)];

    const halfA = Z_95 * Math.sqrt(la.variance / a.impressions);
    const perThousand = variants[0]!.perThousand!;
    close(perThousand.value, la.mean * 1000, 1e-9, 'per thousand');
    close(perThousand.low, (la.mean - halfA) * 1000, 1e-6, 'per thousand low');
    close(perThousand.high, (la.mean + halfA) * 1000, 1e-6, 'per thousand high');
    assert.equal(variants[0]!.raisedMinor, 37_500);
    assert.equal(variants[0]!.averageGift, 37_500 / 12);

    // Welch: B leads; (mean B − mean A) ± z·√(s²A/nA + s²B/nB), per 1,000.
    assert.equal(verdict.leader, 'b');
    const se = Math.sqrt(la.variance / a.impressions + lb.variance / b.impressions);
    const lead = verdict.comparisons[0]!.lead;
    close(lead.value, (lb.mean - la.mean) * 1000, 1e-9, 'lead');
    close(lead.low, (lb.mean - la.mean - Z_95 * se) * 1000, 1e-6, 'lead low');
    close(lead.high, (lb.mean - la.mean + Z_95 * se) * 1000, 1e-6, 'lead high');
    // Python: pooled z = 0.7638074817379564, two-sided p = 0.4449819776080399.
    close(verdict.comparisons[0]!.conversionPValue!, 0.4449819776080399, 1e-6, 'p-value');
  });

  it('when there are four variants, then each comparison uses a third of the error rate', () => {
    const vs = [variant('a', 3000, gifts(30)), variant('b', 3000, gifts(60)), variant('c', 2000, gifts(25, 1000))];
    vs.push(variant('d', 2500, [...gifts(20, 5000), ...gifts(5, 0)]));
    const { verdict } = analyse(vs);
    const b = longWay(vs[1]!);
    assert.equal(verdict.leader, 'b');
    assert.deepEqual(
      verdict.comparisons.map((c) => c.against),
      ['a', 'c', 'd'],
    );
    for (const c of verdict.comparisons) {
      const other = longWay(vs.find((v) => v.key === c.against)!);
      const n = vs.find((v) => v.key === c.against)!.impressions;
      const half = Z_95_OF_3 * Math.sqrt(b.variance / 3000 + other.variance / n) * 1000;
      close(c.lead.high - c.lead.value, half, 1e-6, `half width against ${c.against}`);
    }
  });

  it('when a variant is below the minimums, then the verdict says what is missing and still shows the leader', () => {
    const { verdict } = analyse([
      variant('a', 1200, gifts(12)),
      variant('b', 640, gifts(3)),
      variant('c', 1500, gifts(4)),
    ]);
    assert.equal(verdict.kind, 'not-enough-data');
    assert.equal(
      verdict.text,
      'Not enough data yet: each variant needs at least 1,000 impressions and 10 donors; ' +
        'B has 640 impressions and 3 donors, C has 4 donors.',
    );
    assert.equal(verdict.leader, 'a');
    assert.equal(verdict.comparisons.length, 2);
  });

  it('when one variant clearly raises more, then it is the winner', () => {
    const { verdict, variants } = analyse(
      [variant('a', 5000, gifts(40), 300, 60), variant('b', 5000, gifts(90), 320, 120)],
      { money: dollars },
    );
    assert.equal(verdict.kind, 'winner');
    assert.equal(verdict.leader, 'b');
    assert.equal(verdict.confidence, 0.95);
    assert.equal(verdict.text, 'B raises more money per 1,000 readers than A (95% sure).');
    assert.ok(verdict.comparisons[0]!.lead.low > 0);
    assert.ok(verdict.comparisons[0]!.conversionPValue! < 0.001);
    assert.equal(variants[1]!.clickRate, 320 / 5000);
    assert.equal(variants[1]!.checkouts, 120);
  });

  it('when variants are identical, then the control leads by nothing and there is no difference', () => {
    const same = [500, 2500, 2500, 5000, 10_000, 1000, 2500, 2500, 5000, 2500, 25_000, 2500];
    const { verdict } = analyse([variant('a', 2000, same), variant('b', 2000, same)], { money: dollars });
    assert.equal(verdict.kind, 'no-difference');
    assert.equal(verdict.leader, 'a');
    assert.equal(verdict.comparisons[0]!.lead.value, 0);
    assert.equal(verdict.comparisons[0]!.conversionPValue, 1);
    assert.equal(
      verdict.text,
      'No clear difference yet: A leads B by $0.00 per 1,000 readers, but it could be chance.',
    );
  });

  it('when a lead is clear for one comparison but not shared by three variants, then Bonferroni keeps it from winning', () => {
    const a = variant('a', 2000, gifts(20));
    const b = variant('b', 2000, gifts(36));
    const two = analyse([a, b]).verdict;
    assert.equal(two.kind, 'winner');
    // The same pair with a third, weaker variant: the interval against A widens from 1.96 to 2.24 se.
    const three = analyse([a, b, variant('c', 2000, gifts(10))], { money: dollars }).verdict;
    assert.equal(three.kind, 'no-difference');
    assert.equal(three.leader, 'b');
    const [la, lb] = [longWay(a), longWay(b)];
    const se = Math.sqrt(la.variance / 2000 + lb.variance / 2000) * 1000;
    close(two.comparisons[0]!.lead.low, 20_000 - Z_95 * se, 1e-6, 'one comparison');
    close(three.comparisons[0]!.lead.low, 20_000 - Z_95_OF_2 * se, 1e-6, 'two comparisons');
    assert.ok(two.comparisons[0]!.lead.low > 0 && three.comparisons[0]!.lead.low < 0);
    assert.equal(
      three.text,
      'No clear winner yet: B leads A by $200.00 and C by $325.00 per 1,000 readers; ' +
        'its lead over C is clear (95% sure), but over A it could be chance.',
    );
    // Python: pooled z = 2.1532155706148193, two-sided p = 0.03130174052045964 (unadjusted).
    close(three.comparisons[0]!.conversionPValue!, 0.03130174052045964, 1e-6, 'p-value');
  });

  it('when the leader beats three others, then the text lists them all', () => {
    const { verdict } = analyse(
      [variant('a', 4000, gifts(20)), variant('b', 4000, gifts(80)), variant('c', 4000, gifts(25))].concat(
        variant('d', 4000, gifts(15)),
      ),
      { confidence: 0.99, label: (v) => v.name },
    );
    assert.equal(verdict.kind, 'winner');
    assert.equal(verdict.confidence, 0.99);
    assert.equal(
      verdict.text,
      'B: letter b raises more money per 1,000 readers than A: letter a, C: letter c and D: letter d (99% sure).',
    );
  });

  it('when a variant has no donors, then its averages are empty or zero and the verdict waits for gifts', () => {
    const { variants, verdict } = analyse([variant('a', 1500, []), variant('b', 1500, gifts(12))]);
    const a = variants[0]!;
    assert.equal(a.donors, 0);
    assert.equal(a.raisedMinor, 0);
    assert.equal(a.averageGift, null);
    assert.deepEqual(a.perThousand, { value: 0, low: 0, high: 0 });
    assert.equal(a.conversion!.low, 0);
    close(a.conversion!.high, Z_95 ** 2 / (1500 + Z_95 ** 2), 1e-9, 'Wilson upper bound at 0 of n');
    assert.equal(verdict.kind, 'not-enough-data');
    assert.equal(verdict.leader, 'b');
  });

  it('when no variant has raised anything, then there is no leader and nothing to compare', () => {
    const { verdict } = analyse([variant('a', 1500, []), variant('b', 1500, [0, 0])], { minDonors: 0 });
    assert.equal(verdict.leader, null);
    assert.deepEqual(verdict.comparisons, []);
    assert.equal(verdict.kind, 'no-difference');
    assert.equal(verdict.text, 'No clear difference yet: no variant has raised any money.');
  });

  it('when a variant has no impressions, then its rates are null and it is left out of the comparisons', () => {
    const { variants, verdict } = analyse([
      variant('a', 0, []),
      variant('b', 1, [2500], 1),
      variant('c', 1500, gifts(12)),
    ]);
    assert.equal(variants[0]!.conversion, null);
    assert.equal(variants[0]!.clickRate, null);
    assert.equal(variants[0]!.perThousand, null);
    assert.equal(variants[1]!.perThousand, null);
    assert.equal(variants[1]!.clickRate, 1);
    assert.deepEqual(variants[1]!.conversion, { value: 1, low: variants[1]!.conversion!.low, high: 1 });
    assert.equal(verdict.kind, 'not-enough-data');
    assert.equal(verdict.leader, 'c');
    assert.deepEqual(verdict.comparisons, []);
    assert.match(verdict.text, /A has 0 impressions and 0 donors, B has 1 impression and 1 donor\.$/);
  });

  it('when the impressions counted lag behind the donors, then they are raised to the donor count', () => {
    const { variants } = analyse([variant('a', 0, [2500, 500]), variant('b', 3, gifts(3))]);
    assert.equal(variants[0]!.impressions, 2);
    assert.equal(variants[0]!.conversion!.value, 1);
    assert.equal(variants[1]!.conversion!.high, 1);
    // 2500 and 500 over 2 impressions: mean 1500, sd √2,000,000, se 1000; the low end stops at 0.
    const perThousand = variants[0]!.perThousand!;
    assert.equal(perThousand.value, 1_500_000);
    assert.equal(perThousand.low, 0);
    close(perThousand.high, (1500 + Z_95 * 1000) * 1000, 1e-6, 'high');
  });

  it('when the input is unusable, then analyse says why', () => {
    const ok = variant('a', 1500, gifts(12));
    assert.throws(() => analyse([]), /at least 2 variants/);
    assert.throws(() => analyse([ok]), /at least 2 variants to compare \(got 1\)/);
    assert.throws(() => analyse([ok, ok]), /"a" appears twice/);
    assert.throws(() => analyse([ok, variant('b', Number.NaN, [])]), /impressions must be a whole number/);
    assert.throws(() => analyse([ok, variant('b', Infinity, [])]), RangeError);
    assert.throws(() => analyse([ok, variant('b', 10, [], -1)]), /clicks/);
    assert.throws(() => analyse([ok, variant('b', 10, [2500.5])]), /donor total/);
    assert.throws(() => analyse([ok, variant('b', 10, [Number.POSITIVE_INFINITY])]), /donor total/);
    assert.throws(() => analyse([ok, ok], { confidence: 1 }), /confidence/);
    assert.throws(() => analyse([ok, variant('b', 10, [])], { minDonors: -1 }), /minDonors/);
  });

  it('when two variants are the same, then fewer than 10% of simulated experiments name a winner', () => {
    const random = mulberry32(20_260_101);
    let winners = 0;
    const runs = 400;
    for (let run = 0; run < runs; run++) {
      const { verdict } = analyse([simulated(random, 'a', 4000, 0.01), simulated(random, 'b', 4000, 0.01)]);
      if (verdict.kind === 'winner') winners++;
    }
    // About 5% expected: picking the larger of two equal variants folds both tails into one test.
    assert.ok(winners / runs < 0.08, `${winners} winners in ${runs}`);
  });

  it('when one variant converts twice as often, then most simulated experiments name it the winner', () => {
    const random = mulberry32(7);
    let right = 0;
    let wrong = 0;
    const runs = 200;
    for (let run = 0; run < runs; run++) {
      const { verdict } = analyse([simulated(random, 'a', 8000, 0.01), simulated(random, 'b', 8000, 0.02)]);
      if (verdict.kind === 'winner') verdict.leader === 'b' ? right++ : wrong++;
    }
    assert.ok(right / runs > 0.8, `${right} right winners in ${runs}`);
    assert.equal(wrong, 0);
  });
});
