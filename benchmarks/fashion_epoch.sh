#!/usr/bin/env bash
# Fashion-MNIST epochs (784-256-128-10 relu, softmax CE, SGD lr 0.01 momentum 0.9, float, shuffled)
# with `netc train` (its defaults, and the scalar and vector backends on one thread) and with
# PyTorch (1 and 2 threads), at batch 32 and 128. Each configuration trains EPOCHS epochs (default
# 3) and runs REPEAT times (default 3); the table gives medians of: netc's warm-up (the first
# epoch's steps trained on one core until the JIT has compiled the class; part of the first
# epoch's time), the first epoch's time, the mean time of the later epochs, the training loop (as
# both tools report them: without start-up, data loading or evaluation) and the wall time of the
# whole command; and the slowest CPU's speed against the fastest's before each run (the lowest
# of the runs; benchmarks/cpu_probe.sh), which tells the runs the host took a CPU from.
#
# MODEL=lenet5 or MODEL=small-cnn runs issue 14's CNNs instead (examples/lenet5.net and
# examples/fashion-cnn.net, the same models in PyTorch), with netc's defaults, its vector backend
# on 1 and 2 threads, and PyTorch on 1 and 2 threads.
#
# Usage: benchmarks/fashion_epoch.sh [REPEAT]     (needs dataset-fashion-mnist, python3-torch)
# Env:   DATA=/usr/share/datasets/fashion-mnist  PYTHON=/usr/bin/python3  BATCHES="32 128"
#        EPOCHS=3  MODEL=mlp|lenet5|small-cnn
set -euo pipefail
# A failed run stops the script instead of printing a row of zeros: command substitutions (each
# run's output is one) keep set -e.
shopt -s inherit_errexit
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
repeat="${1:-3}"
data="${DATA:-/usr/share/datasets/fashion-mnist}"
python="${PYTHON:-/usr/bin/python3}"
batches="${BATCHES:-32 128}"
epochs="${EPOCHS:-3}"
model="${MODEL:-mlp}"
case "$model" in
  mlp) net="fashion.net"; configs="netc:default|netc:scalar 1|netc:vector 1|torch:1|torch:2" ;;
  lenet5) net="lenet5.net"; configs="netc:default|netc:vector 1|netc:vector 2|torch:1|torch:2" ;;
  small-cnn) net="fashion-cnn.net"
    configs="netc:default|netc:vector 1|netc:vector 2|torch:1|torch:2" ;;
  *) echo "fashion_epoch.sh: MODEL must be mlp, lenet5 or small-cnn, not '$model'" >&2; exit 2 ;;
esac
if [ "$epochs" -lt 2 ]; then
  echo "fashion_epoch.sh: EPOCHS must be at least 2 (the later epochs are reported apart)" >&2
  exit 2
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Median of the numbers on stdin.
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# Per-epoch seconds from the "epoch i/E ... N samples/s" lines both tools print (samples/s has
# more digits than the rounded seconds), as "first later-mean total accuracy warm-up".
summarize() {
  awk -v n=60000 '
    /^epoch [0-9]+\// { s = n / $(NF - 1); t[++e] = s; total += s }
    /accuracy/ { match($0, /accuracy [0-9.]+%/); acc = substr($0, RSTART + 9, RLENGTH - 10) }
    /^warm-up:/ { match($0, /, [0-9.]+ s/); warm = substr($0, RSTART + 2, RLENGTH - 4) }
    END {
      later = 0; for (i = 2; i <= e; i++) later += t[i]
      printf "%.3f %.3f %.3f %s %s\n", t[1], later / (e - 1), total, acc, warm == "" ? 0 : warm
    }'
}

# Runs "$@" and appends its wall time in seconds to the summary line it prints.
timed() {
  local t0 t1 line
  t0="$(date +%s.%N)"
  line="$("$@")"
  t1="$(date +%s.%N)"
  echo "$line $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')"
}

netc_run() { # "default" | "BACKEND THREADS", batch
  local extra=()
  if [ "$1" != default ]; then
    read -r backend threads <<< "$1"
    extra=(--backend "$backend" --threads "$threads")
  fi
  "$root/bin/netc" train "$root/examples/$net" --data "$data/train-images-idx3-ubyte.gz" \
    --test "$data/t10k-images-idx3-ubyte.gz" --epochs "$epochs" --batch "$2" "${extra[@]}" \
    --out "$tmp/w.safetensors" > "$tmp/last.log" 2> "$tmp/err" || failed "netc train"
  summarize < "$tmp/last.log"
}

torch_run() { # threads, batch
  "$python" "$root/benchmarks/peers/torch_fashion_epoch.py" --data "$data" --batch "$2" \
    --threads "$1" --epochs "$epochs" --model "$model" > "$tmp/torch.log" 2> "$tmp/err" \
    || failed "torch_fashion_epoch.py"
  sed 's/test accuracy/accuracy/' "$tmp/torch.log" | summarize
}

# Stops the script after a failed run, with what the run printed on stderr.
failed() {
  echo "fashion_epoch.sh: $1 failed:" >&2
  tail -n 20 "$tmp/err" >&2
  exit 1
}

echo "Fashion-MNIST, examples/$net, $epochs epochs of 60000 images per run; medians of $repeat runs;" \
  "$(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| tool | configuration | batch | warm-up s | epoch 1 s | later epochs s (samples/s) | $epochs epochs s | command wall s | test acc % | slowest CPU % |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for batch in $batches; do
  IFS='|' read -r -a config_list <<< "$configs"
  for config in "${config_list[@]}"; do
    tool="${config%%:*}"
    arg="${config#*:}"
    : > "$tmp/runs"
    for _ in $(seq "$repeat"); do
      probe="$(PYTHON="$python" "$root/benchmarks/cpu_probe.sh")"
      line="$(timed "${tool}_run" "$arg" "$batch")"
      echo "$line $probe" >> "$tmp/runs"
    done
    first="$(cut -d' ' -f1 "$tmp/runs" | median)"
    later="$(cut -d' ' -f2 "$tmp/runs" | median)"
    total="$(cut -d' ' -f3 "$tmp/runs" | median)"
    acc="$(cut -d' ' -f4 "$tmp/runs" | median)"
    warm="$(cut -d' ' -f5 "$tmp/runs" | median)"
    wall="$(cut -d' ' -f6 "$tmp/runs" | median)"
    slowest="$(cut -d' ' -f7 "$tmp/runs" | sort -g | head -1)"
    if [ "$tool" = torch ]; then
      name="PyTorch $("$python" -c 'import torch; print(torch.__version__)')"
      what="set_num_threads($arg)"
    else
      name="netc"
      what="$(sed -n 's/.*generated code (\([a-z]*\).*), \([0-9]*\) thread.*/\1, \2 thread(s)/p' \
        "$tmp/last.log" | head -1)"
      # The vector class's kernel plan: the header's, or the one planned before training.
      plan="$(grep -o 'kernel plan [a-z0-9-]*' "$tmp/last.log" | tail -1 || true)"
      [ -n "$plan" ] && what="$what, $plan"
      [ "$arg" = default ] && what="defaults: $what"
    fi
    [ "$tool" = torch ] && warm="—" || warm="$(printf '%.1f' "$warm")"
    printf '| %s | %s | %d | %s | %.2f | %.2f (%.0f) | %.2f | %.1f | %s | %s |\n' "$name" "$what" \
      "$batch" "$warm" "$first" "$later" "$(awk -v s="$later" 'BEGIN {print 60000 / s}')" \
      "$total" "$wall" "$acc" "$slowest"
  done
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
