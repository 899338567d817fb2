#!/usr/bin/env bash
# Fuzzes one netc fuzz target with Jazzer for a given time, e.g.
#
#   compiler/fuzz.sh FrontendFuzzTest 30m
#   compiler/fuzz.sh RuntimeIoFuzzTest#safetensors 10m
#
# TARGET is a test class in compiler/src/test/java/dev/netc/fuzz (optionally #method; a class
# with several @FuzzTests needs the method: Jazzer fuzzes one test per run). DURATION is
# Jazzer's format: 30s, 10m, 1h. Extra arguments go to Maven (e.g. -o for offline).
#
# The build goes to target-fuzz/ so that a long run does not collide with normal builds.
# The generated corpus grows in compiler/.cifuzz-corpus/ (not committed); a crashing input is
# written to compiler/src/test/resources/dev/netc/fuzz/<Class>Inputs/<method>/, where every
# normal build replays it. The heap is capped at 1 GiB so that a reader that allocates what a
# hostile header asks for fails with an OutOfMemoryError instead of going unnoticed, and an input
# that runs longer than 30 s counts as a hang (libFuzzer's -timeout, passed through Jazzer's JUnit
# configuration parameters).
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 TARGET DURATION [maven args...]   e.g. $0 FrontendFuzzTest 30m" >&2
  exit 2
fi
target=$1
duration=$2
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

JAZZER_FUZZ=1 exec ./mvnw -pl compiler -am test \
  -Dtest="$target" \
  -Dsurefire.failIfNoSpecifiedTests=false \
  -Djazzer.max_duration="$duration" \
  -Djazzer.hooks=true \
  -Dnetc.target=target-fuzz \
  -Dnetc.testJvmArgs="-Xmx1g" \
  -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-timeout=30 \
  "$@"
