#!/usr/bin/env bash
# Panic-never link check (see src/lib.rs). Builds every binary with the unlinkable panic
# handler for Cortex-M4F and Cortex-M0+; a binary that links is proven free of panic paths and
# is then run under QEMU. Binaries in KNOWN still keep panic paths (listed with --report, see
# README.md): they are reported as SKIP, not counted. Prints PASS/FAIL/SKIP lines.
set -uo pipefail
cd "$(dirname "$0")"
mkdir -p target
# signed: ed25519-compact's own paths and one slice index (see README.md, "Hardening").
KNOWN="signed"
OD=$(find "$(rustc --print sysroot)" -name llvm-objdump -type f | head -n 1)
# Without the toolchain's llvm-tools, a system LLVM's objdump reads these ELFs as well.
[ -n "$OD" ] || OD=$(command -v llvm-objdump || ls /usr/lib/llvm-*/bin/llvm-objdump 2>/dev/null | tail -n 1)
# Variants: target, then the core's extra features (`+dsp`: the Cortex-M4 DSP kernels).
for variant in thumbv7em-none-eabihf thumbv7em-none-eabihf+dsp thumbv6m-none-eabi; do
    target=${variant%%+*}
    feat=()
    [ "$variant" != "$target" ] && feat=(--features "equiframe/${variant#*+}")
    for bin in validate frames engine signed filters scan2d; do
        label="nopanic/$variant/$bin"
        if cargo build --release --quiet --target "$target" "${feat[@]}" --bin "$bin" >"target/$bin-$variant.log" 2>&1; then
            echo "PASS $label links (no panic path)"
            if timeout 120 bash ../qemu/run.sh "target/$target/release/$bin" >/dev/null 2>&1; then
                echo "PASS $label runs"
            else
                echo "FAIL $label runs: non-zero exit under QEMU"
            fi
            case " $KNOWN " in *" $bin "*) echo "  note: $bin now links; remove it from KNOWN in check.sh" ;; esac
        else
            if ! grep -q equiframe_panic_path_survived_optimisation "target/$bin-$variant.log"; then
                echo "FAIL $label: build error"; tail -n 20 "target/$bin-$variant.log"; continue
            fi
            case " $KNOWN " in
                *" $bin "*) echo "SKIP $label: known panic paths remain" ;;
                *) echo "FAIL $label: a panic path survives optimisation" ;;
            esac
            if [ "${1:-}" = --report ] && [ -n "$OD" ]; then
                cargo build --release --quiet --target "$target" --bin "$bin" --features "report ${feat[1]:-}" >/dev/null 2>&1 \
                    && python3 panic_callers.py "target/$target/release/$bin" "$OD" 2>&1 | sed 's/^/    /'
            fi
        fi
    done
done
