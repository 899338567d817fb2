#!/usr/bin/python3
"""The machine's reference rate for the GFLOP/s columns: float32 matrix product 2048³ (numpy's
BLAS, OpenBLAS on Debian), best of 5 after one warm-up product.

usage: OPENBLAS_NUM_THREADS=T sgemm.py T
Prints 'SGEMM <threads> <GFLOP/s>' for benchmarks/table.py. The BLAS reads its thread count from
the environment when numpy is imported, so the caller sets OPENBLAS_NUM_THREADS; the argument only
labels the line (and is checked against the environment).
"""

import os
import sys
import time

import numpy as np

N = 2048


def main(argv):
    if len(argv) != 2 or not argv[1].isdigit():
        raise SystemExit(__doc__)
    if os.environ.get("OPENBLAS_NUM_THREADS") != argv[1]:
        raise SystemExit(f"set OPENBLAS_NUM_THREADS={argv[1]} (it is "
                         f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')})")
    rng = np.random.default_rng(1)
    a = rng.random((N, N), dtype=np.float32)
    b = rng.random((N, N), dtype=np.float32)
    a @ b
    best = min(timed(a, b) for _ in range(5))
    print(f"SGEMM {argv[1]} {2 * N ** 3 / best / 1e9:.1f}")


def timed(a, b):
    start = time.perf_counter()
    a @ b
    return time.perf_counter() - start


if __name__ == "__main__":
    main(sys.argv)
