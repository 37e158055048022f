#!/usr/bin/env bash
# Where a firmware's instructions go: runs ELF under QEMU mps2-an386 one instruction per
# translation block (`-singlestep -d exec,nochain`), maps every executed PC to its function with
# llvm-nm and prints retired instructions per function (boot and measurement code included; the
# whole run of the footprint firmwares is a few thousand instructions for the sine MLP).
# Usage: bash firmware/footprint/profile.sh ELF [ROWS]
set -uo pipefail
elf=${1:?usage: profile.sh ELF [ROWS]}
rows=${2:-20}
NM=$(find "$(rustc --print sysroot)" -name llvm-nm -type f | head -n 1)
[ -n "$NM" ] || NM=$(command -v llvm-nm || echo llvm-nm)
trace=$(mktemp)
trap 'rm -f "$trace"' EXIT
timeout "${EQF_QEMU_TIMEOUT:-60}" qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic \
    -semihosting-config enable=on,target=native -singlestep -d exec,nochain -D "$trace" \
    -kernel "$elf" >/dev/null
"$NM" -n -C --print-size "$elf" | python3 -c '
import bisect, collections, re, sys
syms = []
for line in sys.stdin:
    p = line.split(None, 3)
    if len(p) == 4 and p[2] in "tTW":
        syms.append((int(p[0], 16), int(p[1], 16), re.sub(r"::h[0-9a-f]{16}$", "", p[3].strip())))
syms.sort()
starts = [s[0] for s in syms]
count = collections.Counter()
for line in open(sys.argv[1]):
    m = re.search(r"\[[0-9a-f]+/([0-9a-f]+)/", line)
    if not m:
        continue
    pc = int(m.group(1), 16) & ~1
    i = bisect.bisect_right(starts, pc) - 1
    ok = i >= 0 and pc < syms[i][0] + max(syms[i][1], 1)
    count[syms[i][2] if ok else "?"] += 1
print("%9d  instructions in all" % sum(count.values()))
for name, n in count.most_common(int(sys.argv[2])):
    print("%9d  %s" % (n, name[:110]))
' "$trace" "$rows"
