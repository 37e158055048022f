#!/usr/bin/env bash
# Panic-never link check (see src/lib.rs). Builds every binary with the unlinkable panic
# handler for Cortex-M4F and Cortex-M0+; a binary that links is proven free of panic paths and
# is then run under QEMU. Binaries in KNOWN still keep panic paths (listed with --report, see
# README.md): they are reported as SKIP, not counted. Prints PASS/FAIL/SKIP lines.
set -uo pipefail
cd "$(dirname "$0")"
mkdir -p target
# engine: two panic paths left in src/engine/moments.rs (a division by the channel count and
# the scatter loop's bounds); filters: bounds checks in src/estimate/scan2d/{scan,icp}.rs.
# With those fixed both link and run on both cores (see README.md, "Hardening").
KNOWN="engine signed"
OD=$(find "$(rustc --print sysroot)" -name llvm-objdump -type f | head -n 1)
# Without the toolchain's llvm-tools, a system LLVM's objdump reads these ELFs as well.
[ -n "$OD" ] || OD=$(command -v llvm-objdump || ls /usr/lib/llvm-*/bin/llvm-objdump 2>/dev/null | tail -n 1)
for target in thumbv7em-none-eabihf thumbv6m-none-eabi; do
    for bin in validate frames engine signed filters scan2d; do
        label="nopanic/$target/$bin"
        if cargo build --release --quiet --target "$target" --bin "$bin" >"target/$bin-$target.log" 2>&1; then
            echo "PASS $label links (no panic path)"
            if timeout 120 bash ../qemu/run.sh "target/$target/release/$bin" >/dev/null 2>&1; then
                echo "PASS $label runs"
            else
                echo "FAIL $label runs: non-zero exit under QEMU"
            fi
            case " $KNOWN " in *" $bin "*) echo "  note: $bin now links; remove it from KNOWN in check.sh" ;; esac
        else
            if ! grep -q equiframe_panic_path_survived_optimisation "target/$bin-$target.log"; then
                echo "FAIL $label: build error"; tail -n 20 "target/$bin-$target.log"; continue
            fi
            case " $KNOWN " in
                *" $bin "*) echo "SKIP $label: known panic paths remain" ;;
                *) echo "FAIL $label: a panic path survives optimisation" ;;
            esac
            if [ "${1:-}" = --report ] && [ -n "$OD" ]; then
                cargo build --release --quiet --target "$target" --bin "$bin" --features report >/dev/null 2>&1 \
                    && python3 panic_callers.py "target/$target/release/$bin" "$OD" 2>&1 | sed 's/^/    /'
            fi
        fi
    done
done
