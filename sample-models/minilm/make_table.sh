#!/usr/bin/env bash
# Rebuilds the MiniLM tabular benchmark (see docs/search-strategies.md): a reduced space of all-minilm-l6-v2 at
# sequence length 32, so that one measurement takes seconds. Free genes: the six FFN groups' keep ratios at 3 levels
# (0.25, 0.625, 1) and the precision (float32 or int8 dynamic) of the six FFN intermediate MatMuls; attention heads
# stay whole, no block is dropped, every other layer stays float32. 729 x 64 = 46,656 genomes, of which 200 at random
# plus the corners are measured (a replay's genome off the sample gets the nearest measured one). Needs the sample
# model in target/models (./mvnw package or generate-resources fetches it). Resumes where it stopped.
set -euo pipefail
LATHE=${LATHE:-"java --enable-native-access=ALL-UNNAMED -jar target/lathe.jar"}
OUT=${1:-sample-models/minilm/table-ffn-k3.lathe}
# Further arguments go to tabulate as they are (make_tables.sh passes --clock cpu for table-ffn-k3-cpu.lathe).
shift || true
args=(--levels 3 --sample 200 --repeats 3 --quick --seq-len 32 --keep-range attention_heads=1:1 --keep-range ffn_units=0.25:1)
for b in 0 1 2 3 4 5; do
  args+=(--keep-block block:$b --keep-block residual:/encoder/layer.$b/attention/output/Add --keep-block residual:/encoder/layer.$b/output/Add)
  for l in attention/self/query/MatMul attention/self/key/MatMul attention/self/value/MatMul attention/output/dense/MatMul output/dense/MatMul; do
    args+=(--layer-precisions /encoder/layer.$b/$l=fp32)
  done
done
args+=(--layer-precisions /pooler/dense/Gemm=fp32)
$LATHE tabulate sample:all-minilm-l6-v2 "${args[@]}" "$@" --out "$OUT"
