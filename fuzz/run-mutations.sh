#!/usr/bin/env bash
# Runs the seeded mutation fuzzer over the bundled workflows for longer than `make test` does.
#   fuzz/run-mutations.sh [ITERATIONS] [SEED]      (default: 100000 mutants, seed from the clock)
# A failing input is kept as $TMPDIR/docket-fuzz-SEED-ITERATION.yaml; rerun with that seed.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
iterations=${1:-100000}
seed=${2:-$(date +%s)}
swift build --build-tests >/dev/null
echo "fuzz: $iterations mutants, seed $seed"
DOCKET_FUZZ_ITERATIONS=$iterations DOCKET_FUZZ_SEED=$seed \
  swift test --skip-build --disable-swift-testing --filter WorkflowFuzzTests
