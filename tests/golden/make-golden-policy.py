#!/usr/bin/python3
"""Golden vectors for src/core/policy.c and src/core/psi-null.c.

Run with Debian's /usr/bin/python3 (numpy 1.24, scipy 1.10):
    /usr/bin/python3 tests/golden/make-golden-policy.py tests/golden

Writes policy.txt. Two oracles, independent of the C code:
- Benjamini-Hochberg adjusted p-values written in numpy (scipy 1.10 has
  no false_discovery_control; statsmodels is not used): sort, p * m /
  rank, running minimum from the largest rank, capped at 1. Every case is
  cross-checked against the step-up rule itself (reject the k smallest,
  k the largest rank with p_(k) <= k q / m) at several levels, or the
  script stops.
- The PSI null's tail: Pearson's three-moment fit a + c * chi2(k) with
  skewness g = m3 / var^1.5, k = 8 / g^2, c = sd / sqrt(2 k),
  a = mean - c k, as
  scipy.stats.chi2.sf((psi - a) / c, k) (1 when psi <= a); for g <= 0
  two moments: c = var / (2 mean), k = 2 mean^2 / var.

- The performance test's one-sided Fisher exact p-value (errors rose in
  the batch): scipy.stats.hypergeom.sf(batch_errors - 1, n_batch + n_ref,
  batch_errors + ref_errors, n_batch), cross-checked against
  scipy.stats.fisher_exact(alternative="greater").

Line format (whitespace separated, doubles as repr()):
  bh <m>   p <m p-values>   adj <m adjusted p-values>
  null <mean> <var> <m3> <psi> <p-value>
  fisher <batch errors> <batch rows> <reference errors> <reference rows>
         <p-value>
One seeded numpy Generator makes every draw, so reruns are identical.
"""
import os
import sys

import numpy as np
from scipy import stats

SEED = 20261207
LEVELS = (1e-6, 2e-5, 1e-3, 0.01, 0.05, 0.2, 1.0)


def fmt(x):
    return repr(float(x))


def vec(tag, v):
    return tag + " " + " ".join(fmt(x) for x in v) + "\n"


def bh_adjust(p):
    p = np.asarray(p, dtype=np.float64)
    m = p.size
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    run = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(run, 1.0)
    return out


def step_up(p, q):
    s = np.sort(p)
    m = p.size
    ok = np.nonzero(s <= q * np.arange(1, m + 1) / m)[0]
    if ok.size == 0:
        return np.zeros(m, dtype=bool)
    return p <= s[ok[-1]]


def bh_cases(rng):
    cases = [[0.5], [0.0], [1.0], [1e-300, 1.0], [0.01, 0.01, 0.01],
             [0.04, 0.01, 0.03, 0.02, 0.05], [0.2, 0.2, 0.1, 0.1, 0.9]]
    for m in (2, 5, 12, 40, 120):
        for kind in range(4):
            p = rng.uniform(size=m)
            if kind == 1:      # some strong signals among nulls
                k = int(rng.integers(1, m + 1))
                p[:k] = rng.uniform(size=k) * 10.0 ** -rng.uniform(2, 9,
                                                                   size=k)
            elif kind == 2:    # ties on a grid (KS p-values repeat)
                p = np.round(p * 8) / 8
            elif kind == 3:    # tiny p-values at the knob's levels
                p = 10.0 ** -rng.uniform(0, 8, size=m)
            rng.shuffle(p)
            cases.append(list(p))
    return cases


def null_p(mean, var, m3, psi):
    g = m3 / var ** 1.5
    if g > 0:
        k = 8.0 / (g * g)
        c = np.sqrt(var) / np.sqrt(2.0 * k)
        a = mean - c * k
        return 1.0 if psi <= a else stats.chi2.sf((psi - a) / c, k)
    return stats.chi2.sf(psi / (var / (2.0 * mean)), 2.0 * mean * mean / var)


def null_cases(rng):
    out = []
    for i in range(60):
        m = int(rng.choice([50, 200, 2000]))
        n = int(rng.choice([500, 2000, 10000]))
        mean = 9.0 * (1.0 / m + 1.0 / n) * rng.uniform(0.8, 1.4)
        k = rng.uniform(5.0, 14.0)
        var = 2.0 * mean * mean / k
        # skewness around the chi-squared's sqrt(8 / k), and some <= 0
        g = np.sqrt(8.0 / k) * rng.uniform(0.6, 2.0) if i % 10 else \
            -rng.uniform(0.0, 0.5)
        m3 = g * var ** 1.5
        for t in (0.3, 1.0, 2.0, 4.0, 8.0):
            psi = mean * t
            out.append((mean, var, m3, psi, null_p(mean, var, m3, psi)))
    return out


def fisher_p(eb, nb, er, nr):
    p = stats.hypergeom.sf(eb - 1, nb + nr, eb + er, nb)
    q = stats.fisher_exact([[eb, nb - eb], [er, nr - er]],
                           alternative="greater")[1]
    if abs(p - q) > 1e-9 * max(p, 1e-300) and abs(p - q) > 1e-15:
        sys.exit("fisher: hypergeom.sf %r, fisher_exact %r" % (p, q))
    return min(float(p), 1.0)


def fisher_cases(rng):
    out = [(0, 200, 100, 1000), (200, 200, 100, 1000), (5, 50, 0, 300),
           (0, 50, 0, 300), (50, 50, 300, 300), (1, 1, 0, 1),
           (20, 200, 100, 1000), (40, 200, 100, 1000)]
    for _ in range(60):
        nb = int(rng.choice([50, 200, 2000]))
        nr = int(rng.choice([300, 1000, 5000]))
        rate = rng.uniform(0.02, 0.4)
        er = int(rng.binomial(nr, rate))
        eb = int(rng.binomial(nb, min(1.0, rate * rng.choice([1, 1.5, 2, 3]))))
        out.append((eb, nb, er, nr))
    return out


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else "."
    rng = np.random.default_rng(SEED)
    with open(os.path.join(outdir, "policy.txt"), "w") as f:
        f.write("# make-golden-policy.py: numpy %s, scipy %s\n"
                % (np.__version__, __import__("scipy").__version__))
        for p in bh_cases(rng):
            p = np.asarray(p)
            adj = bh_adjust(p)
            for q in LEVELS:
                if not np.array_equal(adj <= q, step_up(p, q)):
                    sys.exit("BH adjusted p-values disagree with step-up")
            f.write("bh %d\n" % p.size)
            f.write(vec("p", p))
            f.write(vec("adj", adj))
        for mean, var, m3, psi, pv in null_cases(rng):
            f.write("null %s %s %s %s %s\n" % (fmt(mean), fmt(var), fmt(m3),
                                                fmt(psi), fmt(pv)))
        for eb, nb, er, nr in fisher_cases(rng):
            f.write("fisher %d %d %d %d %s\n" % (eb, nb, er, nr,
                                                fmt(fisher_p(eb, nb, er, nr))))


if __name__ == "__main__":
    main()
