#!/usr/bin/python3
"""Turns one benchmark run into a Markdown table: JMH JSON plus the peers' RESULT lines.

usage: table.py JMH_JSON [PEER_OUTPUT ...]

JMH scores are samples/s (the benchmarks use @OperationsPerInvocation(batch)); peer files hold
lines 'RESULT <peer> <benchmark> <samples/s> [<spread %>]'. Each figure carries its uncertainty:
for JMH the half-width of its 99.9% confidence interval, for the peers half the range of their
timed periods, both relative to the score. Missing figures print as n/a.
"""

import json
import sys

ROWS = [
    # JMH method, description, issue-7 target for the generated class (samples/s) or None
    ("mlpTrainB1", "MLP 784-256-128-10 training, batch 1", 30_000),
    ("mlpTrainB32", "MLP 784-256-128-10 training, batch 32", 90_000),
    ("mlpTrainB128", "MLP 784-256-128-10 training, batch 128", 120_000),
    ("mlpPredictB1", "MLP 784-256-128-10 inference, batch 1", 60_000),
    ("tinyTrainB1", "tiny 4-16-3 training, batch 1", 5_000_000),
    ("tinyPredictB1", "tiny 4-16-3 inference, batch 1", None),
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


def read_peer(path, scores, errors):
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) in (4, 5) and parts[0] == "RESULT":
                scores[(parts[1], parts[2])] = float(parts[3])
                if len(parts) == 5:
                    errors[(parts[1], parts[2])] = float(parts[4])


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
        netc = [get[i] for i in NETC if get[i] is not None]
        gen = max(netc) if netc else None
        cells = [label] + [with_error(get[impl], errors.get((impl, method)))
                           for impl, _ in COLUMNS]
        cells.append(ratio(get["generated"], get["interpreter"]))
        cells += [ratio(gen, get[p]) for p in ("encog", "pytorch", "fann")]
        if target is None:
            cells.append("—")
        elif gen is None:
            cells.append(f"≥ {rate(target)}: n/a")
        else:
            cells.append(f"≥ {rate(target)}: {'met' if gen >= target else 'NOT met'}")
        a = [alloc.get((i, method)) for i in ("generated", "vector")]
        cells.append(", ".join("n/a" if v is None else f"{v:.3g}" for v in a))
        lines.append("| " + " | ".join(cells) + " |")
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
    scores, errors, alloc = {}, {}, {}
    read_jmh(argv[1], scores, errors, alloc)
    for path in argv[2:]:
        read_peer(path, scores, errors)
    print(table(scores, errors, alloc))
    breakdown = phases(scores)
    if breakdown:
        print()
        print(breakdown)


if __name__ == "__main__":
    main(sys.argv)
