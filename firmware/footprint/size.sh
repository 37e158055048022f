#!/usr/bin/env bash
# Footprint table: builds the footprint firmwares (Cortex-M4F, opt-level "s", LTO, panic=abort)
# with the engine (`Model::run`) as the core links it by default (`engine`: feature `all`), with
# the engine linking only what the model uses (`linked`: features `sine-model` /
# `pointnet-model`, see `equiframe::model::linked`), the same with the blob validated during
# the build instead of at run time (`checked`: feature `build-checked`,
# `Model::from_build_checked`) and with the lean runner (feature `lean`),
# runs each under QEMU
# (it must exit 0), and prints llvm-size's text / data / bss with text split into the embedded
# model blob (weights, biases, requantization tables, header) and the runtime code, plus the
# stack high-water mark of validating and running the model and the instructions of each
# (QEMU -icount; a second build with feature `stack`, which paints the stack, meters both
# steps with SysTick and prints them), and the flash over a bare firmware (`bin/bare.rs`).
# Usage: bash firmware/footprint/size.sh [--opt s|3]   (prints "FAIL ..." lines and exits 1 on a
# failure). `--opt 3` builds every row with the `release-o3` profile (opt-level 3, otherwise the
# release profile), the counterpart of MicroFlow's opt-level 3 figures; the default is opt "s".
set -uo pipefail
cd "$(dirname "$0")"
opt=s
while [ $# -gt 0 ]; do
    case $1 in
        --opt) opt=${2:-}; shift 2 || shift ;;
        *) echo "usage: bash firmware/footprint/size.sh [--opt s|3]"; exit 2 ;;
    esac
done
case $opt in
    s) profile=release ;;
    3) profile=release-o3 ;;
    *) echo "usage: bash firmware/footprint/size.sh [--opt s|3]"; exit 2 ;;
esac
echo "opt-level $opt (cargo profile $profile)"
SIZE=$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin/llvm-size
# Without the llvm-tools component, any llvm-size on PATH reads the same ELF sections.
[ -x "$SIZE" ] || SIZE=$(command -v llvm-size || command -v rust-size || echo llvm-size)
target=thumbv7em-none-eabihf
status=0
declare -A BLOB=([sine]=../qemu/data/sine.eqf [fa_pointnet]=../qemu/data/fa_pointnet.eqf)
declare -A STACK LOADI RUNI
mkdir -p target/size
# One target directory for every variant: only this crate is rebuilt between them.
build() { # build VARIANT FEATURES
    if ! cargo build --profile "$profile" --quiet --features "$2" 2>target/size/build-$1.log; then
        echo "FAIL footprint/$1 build"; tail -n 20 target/size/build-$1.log; status=1; return 1
    fi
}
# Features of one row: feats BIN RUNNER
feats() {
    case $2 in
        engine) echo all ;;
        lean) echo all,lean ;;
        linked) [ "$1" = sine ] && echo sine-model || echo pointnet-model ;;
        checked) [ "$1" = sine ] && echo sine-model,build-checked || echo pointnet-model,build-checked ;;
    esac
}
for runner in engine linked checked lean; do
    for bin in sine fa_pointnet; do
        f=$(feats "$bin" "$runner")
        build "$runner-$bin-stack" "stack,$f" || continue
        log=target/size/$opt-$runner-$bin-stack.out
        EQF_QEMU_TIMEOUT=60 bash ../qemu/run.sh "target/$target/$profile/$bin" >"$log" 2>/dev/null
        STACK[$bin-$runner]=$(sed -n 's/^stack *//p' "$log")
        LOADI[$bin-$runner]=$(sed -n 's/^load *//p' "$log")
        RUNI[$bin-$runner]=$(sed -n 's/^run *//p' "$log")
    done
done
# The bare firmware (runtime crates, vector table, panic handler; no model): the baseline of the
# "over bare" column.
build bare all || exit 1
cp "target/$target/$profile/bare" target/size/$opt-bare.elf
read -r bare _ < <("$SIZE" target/size/$opt-bare.elf | tail -n 1)
echo "bare firmware: text $bare"
printf '%-12s %-7s %8s %6s %7s %8s %9s %9s %7s %9s %10s\n' firmware runner text data bss "model" "runtime" \
    "over-bare" stack "load-ins" "run-ins"
for runner in engine linked checked lean; do
    for bin in sine fa_pointnet; do
        build "$runner-$bin" "$(feats "$bin" "$runner")" || continue
        elf=target/size/$opt-$bin-$runner.elf
        cp "target/$target/$profile/$bin" "$elf"
        if ! EQF_QEMU_TIMEOUT=30 bash ../qemu/run.sh "$elf" >/dev/null 2>&1; then
            echo "FAIL footprint/$bin-$runner: does not run to success under QEMU"; status=1
        fi
        read -r text data bss _ < <("$SIZE" "$elf" | tail -n 1)
        blob=$(stat -c %s "${BLOB[$bin]}")
        printf '%-12s %-7s %8d %6d %7d %8d %9d %9d %7s %9s %10s\n' "$bin" "$runner" "$text" "$data" "$bss" \
            "$blob" $((text - blob)) $((text + data - bare)) "${STACK[$bin-$runner]:-?}" \
            "${LOADI[$bin-$runner]:-?}" "${RUNI[$bin-$runner]:-?}"
    done
done
exit $status
