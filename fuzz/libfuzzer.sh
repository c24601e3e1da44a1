#!/usr/bin/env bash
# Builds and runs the libFuzzer targets on the YAML loader and the expression parser (not part of
# `make test`; needs a Swift toolchain with `swiftc -sanitize=fuzzer`, as the Linux ones have).
#   fuzz/libfuzzer.sh yaml|expression [libFuzzer options, e.g. -max_total_time=60]
# The YAML target starts from the bundled workflows; crashes are written as crash-* files here.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
target=${1:?usage: fuzz/libfuzzer.sh yaml|expression [libFuzzer options]}
shift
out=.build/fuzz
mkdir -p "$out/corpus-$target"
flags=(-parse-as-library -sanitize=fuzzer -O -I Sources/CLibYAML)
if [ ! -f "$out/libDocketYAML.a" ] || [ -n "$(find Sources/DocketYAML -newer "$out/libDocketYAML.a")" ]; then
  swiftc "${flags[@]}" -module-name DocketYAML -emit-module -emit-module-path "$out/DocketYAML.swiftmodule" \
    -emit-library -static -o "$out/libDocketYAML.a" Sources/DocketYAML/*.swift
fi
case "$target" in
  yaml)
    swiftc "${flags[@]}" -I "$out" -L "$out" -lDocketYAML -lyaml -o "$out/fuzz-yaml" fuzz/YAMLFuzzer.swift
    cp workflows/*.yaml "$out/corpus-yaml/"
    exec "$out/fuzz-yaml" -max_len=65536 "$@" "$out/corpus-yaml" ;;
  expression)
    swiftc "${flags[@]}" -module-name ExpressionFuzz -I "$out" -L "$out" -lDocketYAML -lyaml -o "$out/fuzz-expression" \
      fuzz/ExpressionFuzzer.swift Sources/DocketCore/Value.swift Sources/DocketCore/Expression.swift
    grep -ho '\${{[^}]*}}\|if: .*' workflows/*.yaml | sed 's/^if: //' | awk '{ print > "'"$out"'/corpus-expression/seed-" NR }'
    exec "$out/fuzz-expression" -max_len=200000 "$@" "$out/corpus-expression" ;;
  *) echo "unknown target '$target': yaml or expression" >&2; exit 64 ;;
esac
