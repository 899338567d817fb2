#!/usr/bin/env bash
# Builds and runs the netc benchmark suite (JMH: generated class, interpreter, Encog) and the
# out-of-JVM peers (PyTorch, FANN) one after another, then prints one Markdown table.
#
#   benchmarks/run.sh            full run (about 20 minutes on 2 cores)
#   benchmarks/run.sh --quick    smoke run with minimal timings (about 6 minutes; not for figures)
#   benchmarks/run.sh --install  first apt-get install the peers (python3-torch, OpenBLAS, FANN)
#   benchmarks/run.sh --only 'lenet5|smallCnn'
#                                only the benchmarks whose name matches the regular expression
#                                (JMH and PyTorch; FANN, which has no CNN, is skipped)
#
# Extra JMH options can be passed in JMH_ARGS, e.g. JMH_ARGS='GeneratedBench' to run one class.
# NETC_PLAN picks the generated vector classes' kernel plan (preferred, v256, v512, v256-dot,
# v512-dot, preferred-dot; default preferred; a width the CPU lacks runs preferred), as -Dnetc.plan
# for the JMH forks; the table header names it.
# Everything lands in benchmarks/target/results/: jmh.json, jmh.log, pytorch.txt, fann.txt,
# flops.txt, sgemm.txt, table.md.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
install=0
only=
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --install) install=1 ;;
    --only)
      [ $# -ge 2 ] || { echo "run.sh: --only needs a regular expression" >&2; exit 2; }
      only=$2
      shift ;;
    *) echo "usage: benchmarks/run.sh [--quick] [--install] [--only REGEX]" >&2; exit 2 ;;
  esac
  shift
done

out=benchmarks/target/results
python=/usr/bin/python3

if [ "$install" = 1 ]; then
  apt-get update -qq
  apt-get install -y -qq python3-torch libopenblas0-pthread libfann-dev gcc
fi

# JMH: one fork per benchmark; per-sample scores via @OperationsPerInvocation.
if [ "$quick" = 1 ]; then
  jmh_timing=(-f 1 -wi 1 -w 1s -i 1 -r 1s)
  peer_timing=(0.5 1 1)
else
  jmh_timing=(-f 1 -wi 3 -w 2s -i 5 -r 2s)
  peer_timing=(2 3 2)
fi

echo "== build" >&2
./mvnw -q -B -pl benchmarks -am package -DskipTests -Pbench
rm -rf "$out"
mkdir -p "$out"

{
  echo "# nproc $(nproc); $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
  echo "# $(java -version 2>&1 | head -1)"
  echo "# generated vector classes: kernel plan ${NETC_PLAN:-preferred}"
} > "$out/machine.txt"

# A CPU the host took time from skews the two-thread figures (benchmarks/cpu_probe.sh).
echo "# slowest CPU in percent of the fastest before the run: $(PYTHON="$python" benchmarks/cpu_probe.sh)" \
  >> "$out/machine.txt"

# Other work on the machine skews every figure: sample the 1-minute load average (the suite itself
# adds about 1, PyTorch with OpenBLAS threads about 2) so the report can say how quiet it was.
(while sleep 10; do cut -d' ' -f1 /proc/loadavg; done) > "$out/load.txt" &
sampler=$!
trap 'kill "$sampler" 2>/dev/null || true' EXIT

echo "== jmh (generated, interpreter, Encog)" >&2
# shellcheck disable=SC2086
java -jar benchmarks/target/benchmarks.jar "${jmh_timing[@]}" -prof gc \
  ${NETC_PLAN:+-jvmArgsAppend "-Dnetc.plan=$NETC_PLAN"} \
  -rf json -rff "$out/jmh.json" ${JMH_ARGS:-} ${only:+"$only"} > "$out/jmh.log"
grep -E '^(Benchmark|[A-Za-z]+Bench\.)' "$out/jmh.log" | grep -v ':gc\.\(count\|time\)' >&2 || true

echo "== pytorch" >&2
if "$python" -c 'import torch' 2>/dev/null; then
  "$python" benchmarks/peers/torch_peer.py --warmup "${peer_timing[0]}" \
    --iterations "${peer_timing[1]}" --seconds "${peer_timing[2]}" --only "$only" \
    | tee "$out/pytorch.txt" >&2
else
  echo "# pytorch not installed (apt-get install python3-torch libopenblas0-pthread)" \
    | tee "$out/pytorch.txt" >&2
fi

echo "== fann" >&2
if [ -n "$only" ]; then
  echo "# fann skipped (--only)" | tee "$out/fann.txt" >&2
elif [ -f /usr/include/floatfann.h ] && command -v gcc >/dev/null; then
  gcc -O2 -o "$out/fann_peer" benchmarks/peers/fann_peer.c -lfloatfann -lm
  "$out/fann_peer" "${peer_timing[@]}" | tee "$out/fann.txt" >&2
else
  echo "# fann not installed (apt-get install libfann-dev)" | tee "$out/fann.txt" >&2
fi

# GFLOP/s columns: FLOP per example counted from the networks' shapes (dev.netc.bench.Flops), and
# the machine's float matrix-product rate on one and two threads as the reference.
echo "== flops and sgemm" >&2
java -cp benchmarks/target/benchmarks.jar dev.netc.bench.Flops > "$out/flops.txt"
: > "$out/sgemm.txt"
if "$python" -c 'import numpy' 2>/dev/null; then
  for t in 1 2; do
    OPENBLAS_NUM_THREADS=$t "$python" benchmarks/peers/sgemm.py "$t" | tee -a "$out/sgemm.txt" >&2
  done
else
  echo "# numpy not installed: no sgemm reference" | tee "$out/sgemm.txt" >&2
fi

kill "$sampler" 2>/dev/null || true
sort -n "$out/load.txt" | awk '{ v[NR] = $1; s += $1 } END { if (NR) printf \
  "# 1-min load average during the run: min %.2f, median %.2f, max %.2f (%d samples)\n", \
  v[1], v[int((NR + 1) / 2)], v[NR], NR }' >> "$out/machine.txt"

echo "# slowest CPU in percent of the fastest after the run: $(PYTHON="$python" benchmarks/cpu_probe.sh)" \
  >> "$out/machine.txt"

echo "== table" >&2
cat "$out/machine.txt"
"$python" benchmarks/table.py "$out/jmh.json" "$out/pytorch.txt" "$out/fann.txt" \
  "$out/flops.txt" "$out/sgemm.txt" | tee "$out/table.md"
