#!/usr/bin/env bash
# Rebuilds the tabular benchmarks of the digits models (see docs/search-strategies.md). Each table is an ordinary
# study file; an interrupted run resumes where it stopped. Run from the repository root after ./mvnw package
# (or with LATHE="java -cp ..." set to any way of starting dev.lathe.Main).
set -euo pipefail
LATHE=${LATHE:-"java --enable-native-access=ALL-UNNAMED -jar target/lathe.jar"}
# Digits MLP: 2 groups at 6 keep levels x 3 layers float32/int8 = 288 genomes, the whole grid.
$LATHE tabulate sample-models/digits-mlp/model.onnx --data sample-models/digits-mlp/test.csv \
  --levels 6 --repeats 3 --quick --out sample-models/digits-mlp/table-k6.lathe
# Digits CNN: 3 channel groups at 3 keep levels x 4 layers float32/int8 = a 432-point grid; 150 of it at random plus
# the corners (a replay's genome off the sample gets the nearest measured one).
$LATHE tabulate sample-models/digits-cnn/model.onnx --data sample-models/digits-cnn/test.csv \
  --levels 3 --sample 150 --repeats 3 --quick --out sample-models/digits-cnn/table-k3.lathe
# The same CNN grid timed on the CPU clock (steadier on a shared machine: repeats within 1%, see
# docs/search-strategies.md).
$LATHE tabulate sample-models/digits-cnn/model.onnx --data sample-models/digits-cnn/test.csv \
  --levels 3 --sample 150 --repeats 3 --quick --clock cpu --out sample-models/digits-cnn/table-k3-cpu.lathe
# The committed copies keep every figure but the raw per-run latency samples (the medians and the repeats stay),
# which take two thirds of the files.
if command -v sqlite3 >/dev/null; then
  for t in sample-models/digits-mlp/table-k6.lathe sample-models/digits-cnn/table-k3.lathe sample-models/digits-cnn/table-k3-cpu.lathe; do
    sqlite3 "$t" "UPDATE candidates SET latency_samples=NULL, cpu_samples=NULL; UPDATE reference_runs SET latency_samples=NULL, cpu_samples=NULL; VACUUM;"
  done
fi
# MiniLM over a reduced space (sample-models/minilm/make_table.sh; hours on a loaded 2-core machine, so only on
# request): WITH_MINILM=1 sample-models/make_tables.sh. A complete table is left as it is.
if [ "${WITH_MINILM:-0}" = 1 ]; then
  LATHE="$LATHE" sample-models/minilm/make_table.sh sample-models/minilm/table-ffn-k3.lathe
  # The same grid, sample and seed timed on the CPU clock (the wall-clock table's latency was mostly when a genome
  # was measured on the shared machine, see docs/search-strategies.md).
  LATHE="$LATHE" sample-models/minilm/make_table.sh sample-models/minilm/table-ffn-k3-cpu.lathe --clock cpu
  for t in sample-models/minilm/table-ffn-k3.lathe sample-models/minilm/table-ffn-k3-cpu.lathe; do
    command -v sqlite3 >/dev/null && sqlite3 "$t" \
      "UPDATE candidates SET latency_samples=NULL, cpu_samples=NULL; UPDATE reference_runs SET latency_samples=NULL, cpu_samples=NULL; VACUUM;"
  done
fi
