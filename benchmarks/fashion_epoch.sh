#!/usr/bin/env bash
# One epoch of Fashion-MNIST (784-256-128-10 relu, softmax CE, SGD lr 0.01 momentum 0.9, float)
# with `netc train` (generated code, scalar and vector backends, --threads 1 and 2) and with
# PyTorch (1 and 2 threads), at
# batch 32 and 128. Each configuration runs REPEAT times (default 3); the table gives the median
# training time of the epoch (the loop only, as both tools report it) and samples/s.
#
# Usage: benchmarks/fashion_epoch.sh [REPEAT]     (needs dataset-fashion-mnist, python3-torch)
# Env:   DATA=/usr/share/datasets/fashion-mnist  PYTHON=/usr/bin/python3  BATCHES="32 128"
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
repeat="${1:-3}"
data="${DATA:-/usr/share/datasets/fashion-mnist}"
python="${PYTHON:-/usr/bin/python3}"
batches="${BATCHES:-32 128}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Median of the numbers on stdin.
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

netc_epoch() { # backend batch threads -> "seconds accuracy"
  "$root/bin/netc" train "$root/examples/fashion.net" --data "$data/train-images-idx3-ubyte.gz" \
    --test "$data/t10k-images-idx3-ubyte.gz" --epochs 1 --batch "$2" --threads "$3" \
    --backend "$1" --out "$tmp/w.safetensors" 2>/dev/null \
    | sed -n 's/^final: .*accuracy \([0-9.]*\)%; training time \([0-9.]*\) s.*/\2 \1/p'
}

torch_epoch() { # - batch threads -> "seconds accuracy"
  "$python" "$root/benchmarks/peers/torch_fashion_epoch.py" --data "$data" --batch "$2" \
    --threads "$3" \
    | sed -n 's/^final: .*test accuracy \([0-9.]*\)%; training time \([0-9.]*\) s.*/\2 \1/p'
}

echo "Fashion-MNIST, 1 epoch of 60000 images; median of $repeat runs; $(nproc) cores;" \
  "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| tool | threads | batch | epoch s | samples/s | test acc % |"
echo "|---|---|---|---|---|---|"
for batch in $batches; do
  for config in netc:scalar netc:vector torch:-; do
    tool="${config%%:*}"
    backend="${config#*:}"
    for threads in 1 2; do
      : > "$tmp/runs"
      for _ in $(seq "$repeat"); do
        "${tool}_epoch" "$backend" "$batch" "$threads" >> "$tmp/runs"
      done
      secs="$(cut -d' ' -f1 "$tmp/runs" | median)"
      acc="$(cut -d' ' -f2 "$tmp/runs" | median)"
      name="netc $backend"
      [ "$tool" = torch ] && name="PyTorch $("$python" -c 'import torch; print(torch.__version__)')"
      printf '| %s | %d | %d | %.1f | %.0f | %.2f |\n' "$name" "$threads" "$batch" "$secs" \
        "$(awk -v s="$secs" 'BEGIN {print 60000 / s}')" "$acc"
    done
  done
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
