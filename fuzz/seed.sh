#!/usr/bin/env bash
# Seeds fuzz/corpus/TARGET from the shipped and fixture models (idempotent; corpus/ is not
# committed). Blob targets get every shipped .eqf (plain and signed); the frame target gets
# rows cut from the shipped .npy inputs; the .npy and ONNX targets get the shipped files.
set -euo pipefail
cd "$(dirname "$0")"
R=..
mk() { mkdir -p "corpus/$1"; }
for t in validate engine model_from_bytes engine_run; do
    mk "$t"
    for f in $R/firmware/qemu/data/*.eqf $R/host-tools/models/*/model.eqf; do
        cp "$f" "corpus/$t/$(echo "${f#$R/}" | tr / _)"
    done
done
mk npy
for f in $R/host-tools/tests/fixtures/*.npy $R/host-tools/models/*/expected.npy $R/host-tools/models/*/test_y.npy; do
    cp "$f" "corpus/npy/$(echo "${f#$R/}" | tr / _)"
done
mk onnx
for f in $R/host-tools/tests/fixtures/*.onnx $R/host-tools/models/*/model.onnx; do
    cp "$f" "corpus/onnx/$(echo "${f#$R/}" | tr / _)"
done
mk tflite
for f in $(find $R/host-tools/tests $R/host-tools/models -name '*.tflite' 2>/dev/null); do
    cp "$f" "corpus/tflite/$(echo "${f#$R/}" | tr / _)"
done
mk frames
# frames: 3 option bytes, then little-endian f32 rows (the .npy payload after its header).
for f in $R/host-tools/tests/fixtures/*.input.npy; do
    for g in 0 1 2 3; do
        { printf "\\x0$g\\x00\\x00"; tail -c +129 "$f" | head -c 4096; } >"corpus/frames/$g-$(basename "$f")"
    done
done
ls corpus | while read -r t; do echo "corpus/$t: $(ls "corpus/$t" | wc -l) seeds"; done
