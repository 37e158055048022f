#!/usr/bin/env bash
# Cargo runner: boots the ELF on QEMU's mps2-an386 (Cortex-M4F) and returns the firmware's
# semihosting exit code. `-icount shift=6` makes the virtual clock advance 64 ns per retired
# instruction; SysTick (core clock, 25 MHz = 40 ns per tick) then counts 0.625 instructions per
# tick, so the firmware's meter converts ticks to instructions exactly (see src/meter.rs).
# The shift must match `meter::ICOUNT_SHIFT`; the `calibrate` firmware checks it.
set -uo pipefail
elf=$1
shift
exec timeout "${EQF_QEMU_TIMEOUT:-60}" qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic \
    -semihosting-config enable=on,target=native -icount shift=6 -kernel "$elf" "$@"
