#!/usr/bin/env bash
# Footprint table: builds the footprint firmwares (Cortex-M4F, opt-level "s", LTO, panic=abort)
# with the engine (`Model::run`) and with the lean runner (feature `lean`), runs each once under
# QEMU (it must exit 0), and prints llvm-size's text / data / bss with text split into the
# embedded model blob (weights, biases, requantization tables, header) and the runtime code.
# Usage: bash firmware/footprint/size.sh   (prints "FAIL ..." lines and exits 1 on a failure)
set -uo pipefail
cd "$(dirname "$0")"
SIZE=$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin/llvm-size
target=thumbv7em-none-eabihf
status=0
declare -A BLOB=([sine]=../qemu/data/sine.eqf [fa_pointnet]=../qemu/data/fa_pointnet.eqf)
printf '%-12s %-7s %8s %6s %7s %8s %9s\n' firmware runner text data bss "model" "runtime"
for runner in engine lean; do
    if [ "$runner" = lean ]; then args=(--features lean --target-dir target/lean); dir=target/lean; else args=(); dir=target; fi
    if ! cargo build --release --quiet "${args[@]}" 2>build-$runner.log; then
        echo "FAIL footprint/$runner build"; tail -n 20 build-$runner.log; status=1; continue
    fi
    for bin in sine fa_pointnet; do
        elf=$dir/$target/release/$bin
        if ! EQF_QEMU_TIMEOUT=30 bash ../qemu/run.sh "$elf" >/dev/null 2>&1; then
            echo "FAIL footprint/$bin-$runner: does not run to success under QEMU"; status=1
        fi
        read -r text data bss _ < <("$SIZE" "$elf" | tail -n 1)
        blob=$(stat -c %s "${BLOB[$bin]}")
        printf '%-12s %-7s %8d %6d %7d %8d %9d\n' "$bin" "$runner" "$text" "$data" "$bss" "$blob" $((text - blob))
    done
done
exit $status
