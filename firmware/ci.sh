#!/usr/bin/env bash
# Firmware checks, called by the project's .ci/run (and runnable on its own: `bash firmware/ci.sh`).
# Installs what is missing (rust targets, qemu-system-arm), builds and runs every QEMU firmware
# for Cortex-M4F (thumbv7em-none-eabihf) and Cortex-M0+ (thumbv6m-none-eabi), builds the board
# example, tests the IMU driver on the host, and prints the footprint table.
# Prints one `PASS name` / `FAIL name` line per check and ends with
# `firmware: N passed, N failed`; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")"
FW=$(pwd)
export CARGO_TERM_COLOR=never
LOG=${FW_LOG_DIR:-$FW/qemu/target/ci-logs}
mkdir -p "$LOG"
passed=0
failed=0

pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }

# ---------------------------------------------------------------- install what is missing
rustup target add thumbv7em-none-eabihf thumbv6m-none-eabi >/dev/null 2>&1 || true
rustup component add llvm-tools >/dev/null 2>&1 || true
if ! command -v qemu-system-arm >/dev/null; then
    (apt-get update -qq && apt-get install -y -qq --no-install-recommends qemu-system-arm) >"$LOG/apt.log" 2>&1 \
        || { echo "cannot install qemu-system-arm"; tail -n 20 "$LOG/apt.log"; }
fi

# Runs one QEMU firmware: `qemu_run LABEL TARGET BIN [expect-fail]` (Cortex-M0+ builds go
# without the default `dsp` feature). Every `PASS x` / `FAIL x`
# line the firmware prints counts as one check, named LABEL/x; a non-zero exit with no FAIL line
# (a crash, a timeout, a build error) counts as one failure of its own.
qemu_run() {
    local label=$1 target=$2 bin=$3 expect=${4:-}
    local log="$LOG/${label//\//-}.log"
    local feat=()
    case $target in thumbv6m*) feat=(--no-default-features) ;; esac
    (cd "$FW/qemu" && cargo run --release --quiet --target "$target" "${feat[@]}" --bin "$bin") >"$log" 2>&1
    local rc=$?
    if [ "$expect" = expect-fail ]; then
        if [ "$rc" -ne 0 ] && grep -q '^FAIL ' "$log"; then
            pass "$label (exits $rc, reports: $(grep -m1 '^FAIL ' "$log" | cut -c6-60))"
        else
            fail "$label" "expected a reported failure, got exit $rc"; tail -n 20 "$log"
        fi
        return
    fi
    grep -vE '^(PASS|FAIL) ' "$log" | grep -vE '^\s*(Compiling|Finished|Running|Blocking)' | sed "s|^|  $label: |"
    local f
    f=$(grep -c '^FAIL ' "$log")
    while read -r name; do pass "$label/$name"; done < <(grep '^PASS ' "$log" | cut -c6-)
    while read -r line; do failed=$((failed + 1)); echo "FAIL $label/$line"; done < <(grep '^FAIL ' "$log" | cut -c6-)
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        fail "$label" "exit $rc"; tail -n 30 "$log"
    fi
}

# The committed golden outputs must be what the desktop computes now (same Rust code).
echo "[${SECONDS}s] == desktop golden outputs (host-gen --check)"
if (cd "$FW/host-gen" && cargo run --release --quiet -- --check) >"$LOG/host-gen.log" 2>&1; then
    while read -r name; do pass "host-gen/$name"; done < <(grep '^PASS ' "$LOG/host-gen.log" | cut -c6-)
else
    while read -r name; do fail "host-gen/$name"; done < <(grep '^FAIL ' "$LOG/host-gen.log" | cut -c6-)
    grep -q '^FAIL ' "$LOG/host-gen.log" || { fail host-gen "build or run failed"; tail -n 30 "$LOG/host-gen.log"; }
fi

echo "[${SECONDS}s] == QEMU mps2-an386: $(qemu-system-arm --version | head -n 1)"
for t in thumbv7em-none-eabihf thumbv6m-none-eabi; do
    case $t in thumbv7em*) core=m4f ;; *) core=m0plus ;; esac
    qemu_run "$core/calibrate" "$t" calibrate
    qemu_run "$core/fault" "$t" fault expect-fail
    qemu_run "$core/panics" "$t" panics expect-fail
    qemu_run "$core/frames" "$t" frames
    qemu_run "$core/pipeline" "$t" pipeline
    qemu_run "$core/layers" "$t" layers
    qemu_run "$core/activations" "$t" activations
    qemu_run "$core/tflite-sine" "$t" tflite_sine
done
qemu_run m4f/dsp thumbv7em-none-eabihf dsp
# libm against micromath (and VSQRT) per f32 function: instructions, errors, bit identity.
qemu_run m4f/math thumbv7em-none-eabihf math
# Attitude estimator + learned gravity model on a generated recording: bit-exact with the
# host (tests/attitude_firmware.rs), instructions per filter update and per network run.
qemu_run m4f/attitude thumbv7em-none-eabihf attitude
# 2D lidar odometry on the shipped simulated excerpt: bit-exact with the host
# (tests/scan2d_firmware.rs), instructions per scan, static RAM and measured stack.
qemu_run m4f/scan2d thumbv7em-none-eabihf scan2d
qemu_run m0plus/scan2d thumbv6m-none-eabi scan2d
qemu_run m4f/signed thumbv7em-none-eabihf signed
qemu_run m0plus/signed thumbv6m-none-eabi signed

echo "[${SECONDS}s] == panic-never link check (nopanic/check.sh)"
bash "$FW/nopanic/check.sh" --report >"$LOG/nopanic.log" 2>&1
grep -vE '^(PASS|FAIL) ' "$LOG/nopanic.log" | sed 's/^/  /'
while read -r name; do pass "$name"; done < <(grep '^PASS ' "$LOG/nopanic.log" | cut -c6-)
while read -r name; do fail "$name"; done < <(grep '^FAIL ' "$LOG/nopanic.log" | cut -c6-)

echo "[${SECONDS}s] == IMU driver (host, embedded-hal-mock)"
if (cd "$FW/imu-driver" && cargo test --quiet) >"$LOG/imu-driver.log" 2>&1; then
    n=$(grep -E '^test result' "$LOG/imu-driver.log" | sed -E 's/.* ([0-9]+) passed.*/\1/' | paste -sd+ - | bc)
    passed=$((passed + n)); echo "PASS imu-driver: $n tests"
else
    fail imu-driver "cargo test failed"; tail -n 30 "$LOG/imu-driver.log"
fi

echo "[${SECONDS}s] == board example (STM32F411 black pill, build only)"
if (cd "$FW/board" && cargo build --release --quiet) >"$LOG/board.log" 2>&1; then
    pass "board/build"
else
    fail board/build; tail -n 30 "$LOG/board.log"
fi

echo "[${SECONDS}s] == footprint (llvm-size; Cortex-M4F, opt-level s, LTO; bytes)"
if bash "$FW/footprint/size.sh" >"$LOG/footprint.log" 2>&1; then
    sed 's/^/  /' "$LOG/footprint.log"; pass footprint
else
    sed 's/^/  /' "$LOG/footprint.log"; fail footprint "a footprint firmware failed to build or run"
fi

echo "[${SECONDS}s] done"
echo "firmware: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
