#!/usr/bin/python3
"""Golden vectors for src/core/calibrate.c and src/core/cbpe.c.

Run with Debian's /usr/bin/python3 (scikit-learn 1.2, numpy 1.24):
    /usr/bin/python3 tests/golden/make-golden-cbpe.py tests/golden

Writes cbpe.txt. The reference implementation below is independent of the
C code: the calibration curves are scikit-learn's
IsotonicRegression(out_of_bounds="clip"), one per class (one on class 1
for two classes, class 0 getting 1 - p), multiclass rows divided by their
sum (1/k when it is 0); ECE is the seed's (imported from
make-golden-stats.py); the map is used when the 5-fold cross-fitted ECE
(labelled row i in fold i % 5) is below the raw one and there are at
least 20 labelled rows. CBPE estimates and their standard errors are
written vectorised in numpy (see src/core/cbpe.h for the definitions).

Every case is checked by simulation as well: for batches of 200+ rows the
standard errors must agree with the spread of the realized accuracy and
macro F1 (sklearn) over 2000 label draws from the calibrated
probabilities within 15%, or the script stops.

Line format (whitespace separated, doubles as repr()):
  case <id> <k> <n_ref> <n_batch>
  rs <n_ref*k reference scores, row-major>   ry <true class, -1 unknown>
  rp <predicted class>
  bs <n_batch*k batch scores>                bp <predicted class>
  map none                                   (no usable labelled row)
  map <enabled> <rows> <ece_raw> <ece_cal>   then per curve "cx ..." "cy ..."
  est <rows> <accuracy> <accuracy_se> <f1_macro> <f1_se>
  cm <k*k expected confusion, rows true>
  bprob <calibrated probabilities of the first min(8, n_batch) rows>
Every draw comes from one seeded numpy Generator, so rerunning reproduces
the file byte for byte.
"""
import importlib.util
import os
import sys
import warnings

import numpy as np
import sklearn
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import f1_score

SEED = 20261206
FOLDS = 5
MIN_ROWS = 20
N_CASES = 240


def load_stats():
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location(
        "golden_stats", os.path.join(here, "make-golden-stats.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


STATS = load_stats()
fmt, vec, ivec = STATS.fmt, STATS.vec, STATS.ivec


# ------------------------------------------------------- reference model

def fit_curves(S, y, k):
    curves = []
    for c in ([1] if k == 2 else range(k)):
        ir = IsotonicRegression(out_of_bounds="clip")
        curves.append(ir.fit(S[:, c], (y == c).astype(np.float64)))
    return curves


def map_rows(curves, S, k):
    if k == 2:
        p1 = curves[0].predict(S[:, 1])
        return np.column_stack([1.0 - p1, p1])
    P = np.column_stack([curves[c].predict(S[:, c]) for c in range(k)])
    s = P.sum(axis=1)
    out = np.full_like(P, 1.0 / k)
    ok = s > 0
    out[ok] = P[ok] / s[ok, None]
    return out


def fit_map(S, yt, yp, k):
    """Returns None or (enabled, rows, ece_raw, ece_cal, curves)."""
    use = (yt >= 0) & (yt < k) & (yp >= 0) & (yp < k)
    S, yt, yp = S[use], yt[use], yp[use]
    m = len(yt)
    if m == 0:
        return None
    idx = np.arange(m)
    correct = (yp == yt).astype(np.uint8)
    ece_raw, _ = STATS.ece_reference(S[idx, yp], correct)
    ece_cal, enabled = ece_raw, False
    if m >= MIN_ROWS:
        cal = np.zeros(m)
        for f in range(FOLDS):
            test = idx % FOLDS == f
            curves = fit_curves(S[~test], yt[~test], k)
            P = map_rows(curves, S[test], k)
            cal[test] = P[np.arange(P.shape[0]), yp[test]]
        ece_cal, _ = STATS.ece_reference(cal, correct)
        enabled = ece_cal < ece_raw
    return enabled, m, ece_raw, ece_cal, fit_curves(S, yt, k)


def estimate(P, yp, k):
    """CBPE on calibrated P: (rows, acc, acc_se, f1, f1_se, cm)."""
    use = (yp >= 0) & (yp < k)
    P, yp = P[use], yp[use]
    n = len(yp)
    cm = np.zeros((k, k))
    if n == 0:
        return 0, 0.0, 0.0, 0.0, 0.0, cm
    onehot = np.eye(k)[yp]                      # n x k predicted
    cm = P.T @ onehot                           # [true, predicted]
    conf = P[np.arange(n), yp]
    acc = conf.sum() / n
    acc_se = np.sqrt(np.sum(np.maximum(conf * (1.0 - conf), 0.0))) / n
    npred = onehot.sum(axis=0)
    tp = np.diag(cm)
    d = npred + P.sum(axis=0)
    act = d > 0
    K = act.sum()
    f1 = np.sum(2.0 * tp[act] / d[act]) / K
    a = np.where(act, 2.0 / (K * np.where(act, d, 1.0)), 0.0)
    b = np.where(act, -2.0 * tp / (K * np.where(act, d, 1.0) ** 2), 0.0)
    g = onehot * a + b                          # g[i, t]
    mean = np.sum(P * g, axis=1)
    var = np.sum(P * (g - mean[:, None]) ** 2)
    return n, acc, acc_se, f1, np.sqrt(var), cm


def simulate(rng, P, yp, k, acc_se, f1_se, draws=2000):
    """Spread of realized accuracy / macro F1 under labels drawn from P."""
    cum = np.cumsum(P, axis=1)
    accs, f1s = [], []
    for _ in range(draws):
        u = rng.random(len(yp))[:, None]
        yt = np.minimum((u > cum).sum(axis=1), k - 1)
        accs.append(np.mean(yt == yp))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f1s.append(f1_score(yt, yp, average="macro", zero_division=0))
    for what, sd, se in (("accuracy", np.std(accs), acc_se),
                         ("f1", np.std(f1s), f1_se)):
        if sd > 0.002 and abs(se / sd - 1.0) > 0.15:
            sys.exit("simulated %s sd %.5f vs se %.5f" % (what, sd, se))
    return np.std(accs), np.std(f1s)


# ------------------------------------------------------------- the cases

def size(rng, kind):
    lo, hi = {"tiny": (1, 6), "few": (6, 20), "small": (20, 201),
              "medium": (201, 501), "large": (2000, 3001)}[kind]
    return int(rng.integers(lo, hi))


def draw_rows(rng, n, k, mu, pi, temp, style):
    z = rng.choice(k, size=n, p=pi)
    logits = mu[z] + rng.normal(0.0, 1.0, (n, k))
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    S = e / e.sum(axis=1, keepdims=True)
    et = np.exp(temp * (logits - logits.max(axis=1, keepdims=True)))
    post = et / et.sum(axis=1, keepdims=True)
    if style == "grid":                         # heavy ties, sums to 1
        S = np.array([rng.multinomial(20, s) for s in S]) / 20.0
    elif style == "round2":                     # ties, sums within 0.03
        S = np.round(S, 2)
    elif style == "near":                       # ties within 1e-15
        S = np.round(S, 1) + rng.integers(0, 4, (n, k)) * 4e-16
        S = np.minimum(S, 1.0)
    else:
        S = np.round(S, 4)
    cum = np.cumsum(post, axis=1)
    yt = np.minimum((rng.random(n)[:, None] > cum).sum(axis=1), k - 1)
    return S, yt, np.argmax(S, axis=1)


def make_case(rng, i):
    k = 2 if rng.random() < 0.45 else int(rng.choice([3, 4, 5, 7, 10]))
    kinds = ["tiny", "few", "small", "small", "medium", "medium"]
    big = i % 40 == 7 and k <= 3
    nr = size(rng, "large" if big else kinds[int(rng.integers(0, 6))])
    nb = size(rng, "large" if i % 40 == 17 and k <= 3 else
              ["tiny", "small", "small", "medium"][int(rng.integers(0, 4))])
    mu = rng.normal(0.0, float(rng.choice([0.5, 1.0, 2.0])), (k, k))
    mu += np.eye(k) * float(rng.choice([0.5, 1.5, 3.0]))
    pi = rng.dirichlet(np.ones(k) * 2.0)
    temp = float(rng.choice([0.5, 1.0, 1.0, 2.0]))
    style = str(rng.choice(["grid", "grid", "round2", "fine", "near"]))
    rs, ry, rp = draw_rows(rng, nr, k, mu, pi, temp, style)
    shifted = rng.dirichlet(np.ones(k)) if rng.random() < 0.5 else pi
    bs, _, bp = draw_rows(rng, nb, k, mu, shifted, temp, style)
    if rng.random() < 0.2:                      # some labels unknown
        ry[rng.random(nr) < 0.3] = -1
    if i % 50 == 3:                             # no label at all
        ry[:] = -1
    if i % 50 == 13:                            # one class only
        ry[:] = int(rng.integers(0, k))
    if i % 50 == 23:                            # every score the same
        rs[:] = rs[0]
    if i % 50 == 33 and nb > 1:                 # a predicted class bad
        bp[0] = k
    return k, rs, ry, rp, bs, bp


def write_case(f, rng, i, case):
    k, rs, ry, rp, bs, bp = case
    f.write("case %d %d %d %d\n" % (i, k, len(ry), len(bp)))
    f.write(vec("rs", rs.ravel()))
    f.write(ivec("ry", ry))
    f.write(ivec("rp", rp))
    f.write(vec("bs", bs.ravel()))
    f.write(ivec("bp", bp))
    fitted = fit_map(rs, ry, rp, k)
    P = bs.copy()
    if fitted is None:
        f.write("map none\n")
    else:
        enabled, m, ece_raw, ece_cal, curves = fitted
        f.write("map %d %d %s %s\n" % (enabled, m, fmt(ece_raw),
                                       fmt(ece_cal)))
        for ir in curves:
            f.write(vec("cx", ir.X_thresholds_))
            f.write(vec("cy", ir.y_thresholds_))
        if enabled:
            P = map_rows(curves, bs, k)
    n, acc, acc_se, f1, f1_se, cm = estimate(P, bp, k)
    f.write("est %d %s %s %s %s\n" % (n, fmt(acc), fmt(acc_se), fmt(f1),
                                      fmt(f1_se)))
    f.write(vec("cm", cm.ravel()))
    f.write(vec("bprob", P[:8].ravel()))
    checked = None
    if n >= 200 and np.all(bp < k):
        checked = simulate(rng, P, bp, k, acc_se, f1_se)
    return fitted, checked


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make-golden-cbpe.py OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(SEED)
    sim = np.random.default_rng(SEED + 1)
    stats = {"binary": 0, "multiclass": 0, "enabled": 0, "nomap": 0,
             "simulated": 0}
    with open(os.path.join(out, "cbpe.txt"), "w") as f:
        f.write("# isotonic calibration + CBPE -- generated by "
                "tests/golden/make-golden-cbpe.py\n")
        f.write("# scikit-learn %s, numpy %s, seed %d\n"
                % (sklearn.__version__, np.__version__, SEED))
        for i in range(N_CASES):
            case = make_case(rng, i)
            fitted, checked = write_case(f, sim, i, case)
            stats["binary" if case[0] == 2 else "multiclass"] += 1
            stats["nomap"] += fitted is None
            stats["enabled"] += fitted is not None and bool(fitted[0])
            stats["simulated"] += checked is not None
    print("cbpe.txt: %d cases %s" % (N_CASES, stats))


if __name__ == "__main__":
    main()
