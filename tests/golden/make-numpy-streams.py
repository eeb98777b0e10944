#!/usr/bin/python3
"""Golden vectors for mlmon-gen --rng numpy (scenarios/rng-numpy.c and
scenarios/gen-numpy.c), from Debian's python3-numpy and python3-sklearn.

Run (make golden does):
    /usr/bin/python3 tests/golden/make-numpy-streams.py tests/golden

writes tests/golden/numpy-streams.txt. The streams follow the seed
article's data/generators.py call order (written out again here, not
imported): class means from default_rng(seed).normal(0, 3, (k, d)); a
second default_rng(seed) draws the training set (choice(k, n) without p,
then one normal(means[y], 1) per row) and then each batch (choice with
p=priors when the scenario has priors, means shifted by frac * magnitude).
The model is sklearn's NearestCentroid; scores are the softmax of minus
the Euclidean distances to its centroids, as benchmarks/run_pipeline.py.

Line format ('#' starts a comment; numbers are '%.17g', hashes hex):
    seedstate SEED w0 .. w7      SeedSequence(SEED).generate_state(8)
    raw SEED x0 .. x7            PCG64 random_raw(8), hex
    mixed SEED v ...             the fixed call sequence of mixed_ops()
    normals SEED N HASH SUM      N standard_normal draws: FNV-1a 64 of their
                                 bit patterns, and their sum in draw order
    normal SEED I V              draw I of those when |V| > 3.6541528853610088
                                 (the ziggurat's tail) or I < 8
    stream NAME SEED D K N BATCHES SIZE   a stream case (D features, K
                                 classes, N training rows); then
    mean C V0 .. V(D-1)          class means
    centroid C V0 ..             the model's centroids
    hash B HASH COUNTS PREDS      B = 0 for the training set, else the batch
                                 id: FNV-1a 64 of the features' bit patterns
                                 then the labels (as 8-byte integers); the
                                 class counts and predicted-class counts,
                                 comma-separated
    row B I Y PRED X0 .. S0 ..    row I of B (first and last of each): label,
                                 predicted class, features, scores
"""
import os
import struct
import sys

import numpy as np
from sklearn.neighbors import NearestCentroid

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
M64 = (1 << 64) - 1

# name: (mean_shift, magnitude, change_point, ramp_start, ramp_end,
#        priors, after_priors), as scenarios/*.scn
SCENARIOS = {
    "stable": ("none", 0.0, 0, 0, 0, None, None),
    "abrupt": ("step", 2.0, 5, 0, 0, None, None),
    "gradual": ("ramp", 2.0, 0, 4, 9, None, None),
    "label_shift": ("none", 0.0, 5, 0, 0, (0.34, 0.33, 0.33),
                    (0.70, 0.15, 0.15)),
}
SEEDS = (42, 0, 7, 2**32 + 5, 2**64 - 1)


def fnv(h, data):
    for b in data:
        h = ((h ^ b) * FNV_PRIME) & M64
    return h


def fnv_doubles(h, xs):
    for x in np.asarray(xs, dtype=np.float64).ravel():
        h = fnv(h, struct.pack("<d", float(x)))
    return h


def fnv_ints(h, ys):
    for y in ys:
        h = fnv(h, struct.pack("<q", int(y)))
    return h


def g17(x):
    return "%.17g" % float(x)


def mixed_ops(seed):
    """A fixed sequence that crosses 32- and 64-bit draws."""
    rng = np.random.default_rng(seed)
    out = []
    out += [int(v) for v in rng.integers(0, 3, size=3)]
    out += [g17(v) for v in rng.random(2)]
    out += [int(v) for v in rng.integers(0, 1000, size=1)]
    out += [g17(v) for v in rng.standard_normal(3)]
    out += [int(v) for v in rng.choice(3, size=5, p=[0.7, 0.15, 0.15])]
    out += [int(v) for v in rng.integers(0, 2**32 - 1, size=3)]
    out += [int(v) for v in rng.choice(4, size=3, p=[0.0, 0.5, 0.0, 0.5])]
    out += [int(v) for v in rng.integers(0, 7, size=1)]
    return out


def shift_fraction(scn, b):
    kind, _, cp, rs, re, _, _ = scn
    if kind == "step":
        return 1.0 if b >= cp else 0.0
    if kind == "ramp":
        if b <= rs:
            return 0.0
        if b >= re:
            return 1.0
        return (b - rs) / (re - rs)
    return 0.0


def draw(rng, means, n, priors, shift):
    y = rng.choice(len(means), size=n, p=priors)
    loc = means if shift is None else means + shift
    X = np.array([rng.normal(loc=loc[label], scale=1.0) for label in y])
    return X, y


def scores_of(model, X):
    dists = np.array([np.linalg.norm(X - c, axis=1)
                      for c in model.centroids_]).T
    neg = -dists
    e = np.exp(neg - neg.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def block(out, label, X, y, model, k):
    preds = model.predict(X)
    s = scores_of(model, X)
    h = fnv_ints(fnv_doubles(FNV_OFFSET, X), y)
    counts = ",".join(str(int((y == c).sum())) for c in range(k))
    pcounts = ",".join(str(int((preds == c).sum())) for c in range(k))
    out.append("hash %d %016x %s %s" % (label, h, counts, pcounts))
    for i in sorted({0, len(y) - 1}):
        out.append("row %d %d %d %d %s %s" % (
            label, i, y[i], preds[i], " ".join(g17(v) for v in X[i]),
            " ".join(g17(v) for v in s[i])))


def stream(out, name, seed, d=5, k=3, n=1000, batches=15, size=200):
    scn = SCENARIOS[name]
    out.append("stream %s %d %d %d %d %d %d" % (name, seed, d, k, n,
                                                batches, size))
    means = np.random.default_rng(seed).normal(0.0, 3.0, size=(k, d))
    rng = np.random.default_rng(seed)
    X, y = draw(rng, means, n, None, None)
    model = NearestCentroid().fit(X, y)
    for c in range(k):
        out.append("mean %d %s" % (c, " ".join(g17(v) for v in means[c])))
    for c in range(k):
        out.append("centroid %d %s" % (
            c, " ".join(g17(v) for v in model.centroids_[c])))
    block(out, 0, X, y, model, k)
    for b in range(1, batches + 1):
        priors = None
        if scn[5] is not None:
            priors = list(scn[6] if b >= scn[2] else scn[5])
        shift = None
        if scn[0] != "none":
            shift = shift_fraction(scn, b) * scn[1]
        X, y = draw(rng, means, size, priors, shift)
        block(out, b, X, y, model, k)


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else "tests/golden"
    out = ["# mlmon-gen --rng numpy golden vectors: numpy %s, scikit-learn "
           "%s." % (np.__version__, __import__("sklearn").__version__),
           "# Written by tests/golden/make-numpy-streams.py; do not edit."]
    for seed in SEEDS:
        ss = np.random.SeedSequence(seed).generate_state(8)
        out.append("seedstate %d %s" % (seed, " ".join(str(v) for v in ss)))
        raw = np.random.PCG64(seed).random_raw(8)
        out.append("raw %d %s" % (seed, " ".join("%016x" % v for v in raw)))
        out.append("mixed %d %s" % (seed, " ".join(
            str(v) for v in mixed_ops(seed))))
    for seed in (42, 1):
        n = 400000
        z = np.random.default_rng(seed).standard_normal(n)
        total = 0.0
        for v in z:
            total += float(v)
        out.append("normals %d %d %016x %s" % (
            seed, n, fnv_doubles(FNV_OFFSET, z), g17(total)))
        for i, v in enumerate(z):
            if i < 8 or abs(v) > 3.6541528853610088:
                out.append("normal %d %d %s" % (seed, i, g17(v)))
    for name in SCENARIOS:
        for seed in SEEDS:
            stream(out, name, seed)
    # Other shapes: more features and classes, small batches (k = 4 means
    # label_shift's three priors do not fit, so only the mean shifts).
    stream(out, "abrupt", 42, d=8, k=4, n=300, batches=6, size=51)
    stream(out, "stable", 3, d=1, k=2, n=17, batches=3, size=1)
    path = os.path.join(outdir, "numpy-streams.txt")
    with open(path + ".tmp", "w") as f:
        f.write("\n".join(out) + "\n")
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
