#!/usr/bin/env bash
# Trains examples/fashion.net on Fashion-MNIST with Apache Spark in local[2] (the synchronous
# trainer), printing per-epoch loss, test accuracy and samples/s, and writes safetensors that
# `bin/netc eval examples/fashion.net --params W ...` reads. Builds the example module
# (spark-example/, with netc-spark) first if needed (Spark's jars come from Maven Central).
# Options go to FashionMnistSpark:
#   spark/run-example.sh [--epochs E] [--out W.safetensors] [--batch B] [--partitions P]
#                        [--local-sgd K] [--seed S] [--data IDX_DIR] [--master URL]
# NETC_JAVA_OPTS adds JVM options (e.g. -Xmx4g).
set -euo pipefail
# local[2] runs in this JVM: Spark binds to loopback instead of guessing a network address.
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
target="$root/spark-example/target"
data=/usr/share/datasets/fashion-mnist
if [ ! -d "$data" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "run-example: installing dataset-fashion-mnist..." >&2
  (apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist) >/dev/null
fi
find_jar() { ls "$target"/netc-spark-example-*-app.jar 2>/dev/null | head -n 1 || true; }
jar="$(find_jar)"
if [ -z "$jar" ] || [ ! -f "$target/spark-classpath.txt" ] || [ ! -f "$target/example-jvm.args" ]
then
  echo "run-example: building the example (./mvnw package -pl spark-example -am)..." >&2
  (cd "$root" && ./mvnw -q -B -ntp -DskipTests -pl spark-example -am package) >&2
  jar="$(find_jar)"
fi
exec java @"$target/example-jvm.args" ${NETC_JAVA_OPTS:-} \
  -Dlog4j2.configurationFile="$target/log4j2-example.properties" \
  -cp "$jar:$(cat "$target/spark-classpath.txt")" \
  dev.netc.spark.example.FashionMnistSpark \
  --master 'local[2]' --data "$data" --parquet "$target/fashion-parquet" "$@"
