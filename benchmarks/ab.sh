#!/usr/bin/env bash
# Compares two builds of netc on one network in one JVM: generates NETWORK's vector class from
# MODEL.net with the compiler in each jar (e.g. benchmarks/target/benchmarks.jar built at two
# commits, copied aside), compiles both side by side and times them in alternated rounds
# (dev.netc.bench.Alternated: training at batch 32 and predict of one example; medians).
#
# Usage: benchmarks/ab.sh JAR_A JAR_B MODEL.net NETWORK [ROUNDS]   (ROUNDS default 10; the first
#        two are the JIT's warm-up and read low)
# Env:   BURSTS=SECONDS times the training steps in short bursts instead (dev.netc.bench.Bursts:
#        best, 10th percentile and median bursts, bytes allocated per step; two JVMs, one per
#        order of the classes, SECONDS each), at batch BATCH
#        (default 32), under kernel plan PLAN if set (e.g. v256-narrow-c32, what `netc tune`
#        chose), split over a team of THREADS threads if THREADS is above 1
set -euo pipefail
if [ $# -lt 4 ]; then
  echo "usage: benchmarks/ab.sh JAR_A JAR_B MODEL.net NETWORK [ROUNDS]" >&2
  exit 2
fi
jar_a="$(readlink -f "$1")"; jar_b="$(readlink -f "$2")"; model="$3"; network="$4"
rounds="${5:-10}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
java -cp "$jar_a" dev.netc.cli.Netc generate --backend vector -p a -o "$tmp/src" "$model" >/dev/null
java -cp "$jar_b" dev.netc.cli.Netc generate --backend vector -p b -o "$tmp/src" "$model" >/dev/null
javac --add-modules jdk.incubator.vector -nowarn -cp "$jar_b" -d "$tmp/classes" \
  "$tmp/src/a/$network.java" "$tmp/src/b/$network.java" 2>&1 | grep -v "^warning\|^Note\|^1 warning" || true
if [ -n "${BURSTS:-}" ]; then
  # Bursts favours the class it loads and warms first by a few per cent on some hosts (about
  # 2.5 % on the Zen 3 host, forty-fifth session), so each order runs in a JVM of its own.
  for order in "a b" "b a"; do
    read -r first second <<< "$order"
    echo "order: $first then $second"
    java --add-modules jdk.incubator.vector -Dbursts.threads="${THREADS:-1}" \
      -cp "$tmp/classes:$jar_b" dev.netc.bench.Bursts \
      "$network" "${BATCH:-32}" "$BURSTS" "$first${PLAN:+@$PLAN}" "$second${PLAN:+@$PLAN}" 2>&1 \
      | grep -v "^WARNING: Using incubator"
  done
  exit 0
fi
java --add-modules jdk.incubator.vector -cp "$tmp/classes:$jar_b" dev.netc.bench.Alternated \
  "$network" "$rounds" a b 2>&1 | grep -v "^WARNING: Using incubator"
