#!/usr/bin/env bash
# Prints the slowest CPU's speed in percent of the fastest's: a plain Python loop pinned to each
# CPU (taskset) for 0.5 s, all at once. On a KVM guest the host can take time from one CPU with no
# trace in the guest (vmstat shows no steal), and a run on two threads then goes at one thread's
# speed: 90-100 in quiet minutes on this project's Zen 4 host, 58-76 when the host took its second
# CPU (docs/performance.md, fortieth session). Prints "-" without taskset or with one CPU.
#
# Usage: benchmarks/cpu_probe.sh        Env: PYTHON=/usr/bin/python3
set -euo pipefail
python="${PYTHON:-/usr/bin/python3}"
if ! command -v taskset >/dev/null 2>&1; then
  echo "-"
  exit 0
fi
for cpu in $(seq 0 $(($(nproc) - 1))); do
  # One write per line (os.write): the CPUs' lines share a pipe, and with PYTHONUNBUFFERED a
  # print is two writes that interleave.
  taskset -c "$cpu" "$python" -c 'import os, time
start = time.perf_counter(); n = 0
while time.perf_counter() - start < 0.5:
    for _ in range(2000): pass
    n += 1
os.write(1, b"%d\n" % n)' &
done | sort -n | awk '/^[0-9]+$/ {a[++k] = $1} END {
  if (k < 2 || a[k] == 0) print "-"; else printf "%.0f\n", 100 * a[1] / a[k] }'
