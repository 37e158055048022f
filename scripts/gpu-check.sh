#!/usr/bin/env bash
# On a machine with an NVIDIA GPU: builds the CUDA backend, runs the CUDA tests (bit-identical
# to the CPU engine) and the FA-PointNet benchmark with --backend cuda next to the CPU, and
# prints the figures. About 3-6 minutes (cold build included); every step is time-limited so
# the whole script stays under ten minutes. Fails if the tests were skipped for lack of a device.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-target/gpu-check}
mkdir -p "$OUT"
# NVRTC is loaded at run time: make the toolkit's libraries findable.
for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do
    [ -d "$d" ] && export LD_LIBRARY_PATH="$d:${LD_LIBRARY_PATH:-}"
done
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || echo "nvidia-smi not found"
nproc

echo "=== build (release, features cuda)"
timeout 240 cargo build --release -p equiframe-cli --features cuda || { echo "gpu-check: build failed"; exit 1; }

echo "=== CUDA tests"
timeout 180 cargo test --release -p equiframe-cli --features cuda --test batch_cuda -- --nocapture 2>&1 | tee "$OUT/tests.log"
rc=${PIPESTATUS[0]}
if grep -q "no CUDA device: skipped" "$OUT/tests.log"; then
    echo "gpu-check: the CUDA tests were skipped (no device reachable); see above"
    exit 1
fi
[ "$rc" -eq 0 ] || { echo "gpu-check: CUDA tests failed"; exit 1; }

echo "=== benchmark: FA-PointNet N=256 O(3), batch 4096"
./target/release/equiframe bench --make-synthetic "$OUT" >/dev/null
timeout 150 ./target/release/equiframe bench "$OUT/fa_pointnet_int8.eqf" --batch 4096 \
    --backend simd,cuda --repeat 3 || { echo "gpu-check: bench failed"; exit 1; }
echo "gpu-check: done"
