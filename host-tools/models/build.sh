#!/usr/bin/env bash
# Re-converts every shipped model from its committed ONNX backbone and calibration windows,
# runs the blob on the committed test windows, and scores it (int8 beside the float reference).
#
#   host-tools/models/build.sh            # all models
#   host-tools/models/build.sh lidar      # one model
#   EQUIFRAME=/path/to/equiframe host-tools/models/build.sh   # a given binary, no cargo build
#
# Writes <model>/model.eqf and <model>/golden.npy (the int8 blob's outputs on test_x.npy). An
# f32 blob is converted too (not kept) and compared with expected.npy, the frame-averaged float
# reference computed by train.py: it checks that training used the core's frames.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
if [ -n "${EQUIFRAME:-}" ]; then
    eq="$EQUIFRAME"
else
    cargo build -q --release -p equiframe-cli
    eq="$root/target/release/equiframe"
fi
py="${PYTHON:-$root/.venv/bin/python}"
[ -x "$py" ] || py=python3

convert() {
    local name="$1"
    shift
    local dir="$here/$name"
    "$eq" -q convert "$dir/model.onnx" -o "$dir/model.eqf" --calibration "$dir/calib.npy" "$@"
    "$eq" -q run "$dir/model.eqf" --input "$dir/test_x.npy" -o "$dir/golden.npy"
    local tmp
    tmp="$(mktemp -d)"
    "$eq" -q convert "$dir/model.onnx" -o "$tmp/f32.eqf" --precision f32 "$@"
    "$eq" -q run "$tmp/f32.eqf" --input "$dir/test_x.npy" -o "$tmp/f32.npy"
    echo "== $name: int8 blob"
    "$py" "$here/score.py" "$dir" "$dir/golden.npy"
    echo "== $name: f32 blob"
    "$py" "$here/score.py" "$dir" "$tmp/f32.npy"
    rm -r "$tmp"
}

models=("${@:-basicmotions lidar inclination}")
for m in ${models[@]}; do
    case "$m" in
    basicmotions) convert basicmotions --frames so3 --schema imu --outputs invariant:4 ;;
    lidar) convert lidar --frames o3 --schema points --outputs invariant:5 ;;
    inclination) convert inclination --frames so3 --schema imu --outputs vector:3 ;;
    *) echo "unknown model: $m" >&2; exit 2 ;;
    esac
done
