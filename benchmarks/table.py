#!/usr/bin/python3
"""Turns one benchmark run into Markdown tables: JMH JSON plus the peers' RESULT lines.

usage: table.py JMH_JSON [PEER_OUTPUT ...]

JMH scores are samples/s (the benchmarks use @OperationsPerInvocation(batch)); peer files hold
lines 'RESULT <peer> <benchmark> <samples/s> [<spread %>]'. Each figure carries its uncertainty:
for JMH the half-width of its 99.9% confidence interval, for the peers half the range of their
timed periods, both relative to the score. Missing figures print as n/a.

The other files may also hold 'FLOPS <benchmark> <FLOP per example>' lines (dev.netc.bench.Flops)
and 'SGEMM <threads> <GFLOP/s>' lines (peers/sgemm.py); with both, a second table gives every
implementation's GFLOP/s and the best one-thread netc figure as a percentage of one-thread sgemm.
"""

import json
import sys

ROWS = [
    # JMH method, description, target for the best netc figure or None: samples/s (issue 7) or
    # a multiple of PyTorch's figure in the same run, as ("pytorch", factor) (issue 14)
    ("mlpTrainB1", "MLP 784-256-128-10 training, batch 1", 30_000),
    ("mlpTrainB32", "MLP 784-256-128-10 training, batch 32", 90_000),
    ("mlpTrainB128", "MLP 784-256-128-10 training, batch 128", 120_000),
    ("mlpPredictB1", "MLP 784-256-128-10 inference, batch 1", 60_000),
    ("tinyTrainB1", "tiny 4-16-3 training, batch 1", 5_000_000),
    ("tinyPredictB1", "tiny 4-16-3 inference, batch 1", None),
    ("lenet5TrainB32", "LeNet-5 training, batch 32", ("pytorch", 3)),
    ("lenet5PredictB1", "LeNet-5 inference, batch 1", ("pytorch", 5)),
    ("smallCnnTrainB32", "Small CNN training, batch 32", ("pytorch", 3)),
    ("smallCnnPredictB1", "Small CNN inference, batch 1", ("pytorch", 5)),
]

JMH_CLASSES = {"GeneratedBench": "generated", "InterpreterBench": "interpreter",
               "EncogBench": "encog", "GeneratedPhasesBench": "phases",
               "ParallelBench": "parallel"}
# "generated" is the scalar backend (the default); "vector" the Vector API backend on one
# thread; "parallel2" the vector backend trained data-parallel on 2 threads (ParallelBench).
COLUMNS = [("generated", "netc scalar"), ("vector", "netc vector"),
           ("parallel2", "netc vector ×2 threads"), ("interpreter", "netc interpreter"),
           ("encog", "Encog 3.4"), ("pytorch", "PyTorch"), ("fann", "FANN 2.2")]
NETC = ("generated", "vector", "parallel2")


def read_jmh(path, scores, errors, alloc):
    with open(path) as f:
        runs = json.load(f)
    for run in runs:
        cls, method = run["benchmark"].split(".")[-2:]
        impl = JMH_CLASSES.get(cls)
        if impl is None:
            continue
        backend = run.get("params", {}).get("backend")
        if impl == "generated" and backend == "vector":
            impl = "vector"
        elif impl == "parallel":
            if backend != "vector":
                continue  # the scalar backend on 2 threads is in the JSON, not in the table
            impl = "parallel2"
        metric = run["primaryMetric"]
        if metric["scoreUnit"] != "ops/s":
            raise SystemExit(f"{run['benchmark']}: expected ops/s, got {metric['scoreUnit']}")
        scores[(impl, method)] = metric["score"]
        if metric["score"] > 0 and metric.get("scoreError") not in (None, "NaN"):
            errors[(impl, method)] = 100.0 * float(metric["scoreError"]) / metric["score"]
        norm = run.get("secondaryMetrics", {}).get("gc.alloc.rate.norm")
        if norm is not None:
            alloc[(impl, method)] = norm["score"]


def read_peer(path, scores, errors, flops, sgemm):
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) in (4, 5) and parts[0] == "RESULT":
                scores[(parts[1], parts[2])] = float(parts[3])
                if len(parts) == 5:
                    errors[(parts[1], parts[2])] = float(parts[4])
            elif len(parts) == 3 and parts[0] == "FLOPS":
                flops[parts[1]] = int(parts[2])
            elif len(parts) == 3 and parts[0] == "SGEMM":
                sgemm[int(parts[1])] = float(parts[2])


def rate(v):
    if v is None:
        return "n/a"
    for limit, unit in ((1e6, "M"), (1e3, "k")):
        if v >= limit:
            return f"{v / limit:.3g}{unit}".replace("e+", "e")
    return f"{v:.3g}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "n/a"
    r = a / b
    return f"{r:.3g}×" if r < 100 else f"{r:.0f}×"


def with_error(v, err):
    if v is None or err is None:
        return rate(v)
    return f"{rate(v)} ±{err:.0f}%"


def table(scores, errors, alloc):
    head = (["benchmark (samples/s)"] + [c[1] for c in COLUMNS]
            + ["scalar / interp", "best netc / Encog", "best netc / PyTorch",
               "best netc / FANN", "target (best netc)", "alloc B/sample (scalar, vector)"])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for method, label, target in ROWS:
        get = {impl: scores.get((impl, method)) for impl, _ in COLUMNS}
        if all(v is None for v in get.values()):
            continue  # not run (run.sh --only)
        netc = [get[i] for i in NETC if get[i] is not None]
        gen = max(netc) if netc else None
        cells = [label] + [with_error(get[impl], errors.get((impl, method)))
                           for impl, _ in COLUMNS]
        cells.append(ratio(get["generated"], get["interpreter"]))
        cells += [ratio(gen, get[p]) for p in ("encog", "pytorch", "fann")]
        cells.append(target_cell(target, gen, get["pytorch"]))
        a = [alloc.get((i, method)) for i in ("generated", "vector")]
        cells.append(", ".join("n/a" if v is None else f"{v:.3g}" for v in a))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def target_cell(target, gen, pytorch):
    if target is None:
        return "—"
    if isinstance(target, tuple):
        label, need = f"≥ {target[1]}× PyTorch", (None if pytorch is None else target[1] * pytorch)
    else:
        label, need = f"≥ {rate(target)}", target
    if gen is None or need is None:
        return f"{label}: n/a"
    return f"{label}: {'met' if gen >= need else 'NOT met'}"


def gflops(scores, flops, sgemm):
    """GFLOP/s of every implementation on the rows whose work Flops counted."""
    rows = [r for r in ROWS if r[0] in flops]
    if not rows:
        return ""
    one = sgemm.get(1)
    impls = [c for c in COLUMNS if c[0] != "fann"]  # FANN runs other activations and losses
    head = (["benchmark (GFLOP/s)", "MFLOP/example"] + [c[1] for c in impls]
            + ["best 1-thread netc, % of 1-thread sgemm"])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for method, label, _ in rows:
        f = flops[method]
        g = {impl: (None if scores.get((impl, method)) is None
                    else scores[(impl, method)] * f / 1e9) for impl, _ in impls}
        if all(v is None for v in g.values()):
            continue
        one_thread = [g[i] for i in ("generated", "vector") if g[i] is not None]
        best = max(one_thread) if one_thread else None
        cells = [label, f"{f / 1e6:.3g}"]
        cells += ["n/a" if g[i] is None else f"{g[i]:.3g}" for i, _ in impls]
        cells.append("n/a" if best is None or not one else f"{100 * best / one:.0f} %")
        lines.append("| " + " | ".join(cells) + " |")
    ref = ", ".join(f"{v:.1f} GFLOP/s on {t} thread{'s' if t > 1 else ''}"
                    for t, v in sorted(sgemm.items()))
    lines.append("")
    lines.append("FLOP per example counted from the layer shapes (multiply-add = 2; training ="
                 " forward + weight gradients + input deltas of all weighted layers but the"
                 " first); sgemm 2048³ through numpy: " + (ref or "not measured") + ".")
    return "\n".join(lines)


def phases(scores):
    """Breakdown of the generated MLP's training step, from GeneratedPhasesBench."""
    get = lambda impl, m: scores.get((impl, m))
    us = lambda v: "n/a" if v is None else f"{1e6 / v:.1f} µs"
    acc1, acc32 = get("phases", "mlpAccumulateB1"), get("phases", "mlpAccumulateB32")
    opt = get("phases", "mlpOptimizerStep")
    rows = [
        ("forward, 1 example (predict)", get("generated", "mlpPredictB1")),
        ("accumulateGradient, batch 1, per example", acc1),
        ("accumulateGradient, batch 32, per example", acc32),
        ("optimizerStep (SGD momentum, 235k parameters), per step", opt),
    ]
    if all(v is None for _, v in rows):
        return ""
    lines = ["| generated MLP, phase | time |", "|---|---|"]
    lines += [f"| {label} | {us(v)} |" for label, v in rows]
    if None not in (acc1, acc32, opt):
        # accumulateGradient also adds the gradient to the caller's array, which trainBatch does
        # not do: the sum slightly overestimates a step.
        for n, acc in ((1, acc1), (32, acc32), (128, acc32)):
            step = n / acc + 1 / opt
            measured = get("generated", f"mlpTrainB{n}")
            lines.append(f"| phases for trainBatch({n}) | ≈ {1e6 * step:.1f} µs "
                         f"(= {rate(n / step)} samples/s; measured {rate(measured)}) |")
    return "\n".join(lines)


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    scores, errors, alloc, flops, sgemm = {}, {}, {}, {}, {}
    read_jmh(argv[1], scores, errors, alloc)
    for path in argv[2:]:
        read_peer(path, scores, errors, flops, sgemm)
    print(table(scores, errors, alloc))
    rates = gflops(scores, flops, sgemm)
    if rates:
        print()
        print(rates)
    breakdown = phases(scores)
    if breakdown:
        print()
        print(breakdown)


if __name__ == "__main__":
    main(sys.argv)
