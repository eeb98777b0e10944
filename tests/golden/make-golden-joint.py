#!/usr/bin/python3
"""Golden vectors for src/core/judge-joint.c (issue 17's joint tests).

Run with Debian's /usr/bin/python3 (numpy 1.24, scipy 1.10):
    /usr/bin/python3 tests/golden/make-golden-joint.py tests/golden

Writes joint.txt. Oracles:
- Fisher's term of a KS statistic: -2 * log(scipy.stats.kstwobign.sf(l))
  (the Kolmogorov distribution's survival function at l; where sf
  underflows past 1e-300 no case is written);
- Fisher's combination: scipy.stats.combine_pvalues(p, "fisher")
  statistic (the sum of the terms -2 ln p);
- the F distribution's tail: scipy.stats.f.sf(x, d1, d2);
- Hotelling's T^2 of a batch mean against a reference (rows), with the
  reference's covariance (numpy.cov, ddof 1): T^2 = d' S^-1 d / (1/m +
  1/n) by numpy.linalg.solve, and its p-value
  f.sf((n - p) / (p (n - 1)) T^2, p, n - p).

Line format (whitespace separated, doubles as repr()):
  kterm <lambda> <term>
  fisher <k> <k p-values> <statistic>
  fsf <x> <d1> <d2> <sf>
  hot <n> <p> <m>   ref <n*p values, row-major>   mean <p values>
      <T^2> <p-value>          (the last line: "res <T^2> <p-value>")
"""
import os
import sys

import numpy as np
from scipy import stats

SEED = 20261206


def fmt(x):
    return repr(float(x))


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else "."
    rng = np.random.default_rng(SEED)
    with open(os.path.join(outdir, "joint.txt"), "w") as f:
        f.write("# make-golden-joint.py: numpy %s, scipy %s\n"
                % (np.__version__, __import__("scipy").__version__))
        lams = [0.05, 0.2, 0.4, 0.6, 0.8, 0.95, 0.999, 1.0, 1.001, 1.2,
                1.5, 2.0, 3.0, 5.0, 8.0, 12.0]
        lams += list(rng.uniform(0.1, 6.0, size=40))
        for lam in lams:
            sf = stats.kstwobign.sf(lam)
            if sf < 1e-300:
                continue
            f.write("kterm %s %s\n" % (fmt(lam), fmt(-2.0 * np.log(sf))))
        for k in (2, 5, 20):
            for _ in range(5):
                p = 10.0 ** -rng.uniform(0, 9, size=k)
                st = stats.combine_pvalues(p, method="fisher")[0]
                f.write("fisher %d %s %s\n" % (k, " ".join(fmt(x) for x in p),
                                               fmt(st)))
        for d1, d2 in ((1, 10), (2, 50), (5, 995), (20, 980), (3, 7),
                       (50, 1950)):
            for x in (0.01, 0.5, 1.0, 2.0, 4.0, 10.0, 30.0, 100.0):
                f.write("fsf %s %d %d %s\n" % (fmt(x), d1, d2,
                                               fmt(stats.f.sf(x, d1, d2))))
        for n, p, m in ((30, 2, 10), (200, 5, 50), (1000, 5, 200),
                        (400, 8, 2000), (60, 3, 60)):
            a = rng.normal(size=(p, p))
            rows = rng.normal(size=(n, p)) @ a + rng.normal(size=p) * 3
            for shift in (0.0, 0.05, 0.2):
                mean = rows.mean(0) + shift + \
                    rng.normal(size=p) * np.sqrt(1.0 / m) * a.std()
                s = np.cov(rows, rowvar=False, ddof=1)
                d = mean - rows.mean(0)
                t2 = d @ np.linalg.solve(s, d) / (1.0 / m + 1.0 / n)
                pv = stats.f.sf((n - p) / (p * (n - 1.0)) * t2, p, n - p)
                f.write("hot %d %d %d\n" % (n, p, m))
                f.write("ref " + " ".join(fmt(x) for x in rows.ravel()) +
                        "\n")
                f.write("mean " + " ".join(fmt(x) for x in mean) + "\n")
                f.write("res %s %s\n" % (fmt(t2), fmt(pv)))


if __name__ == "__main__":
    main()
