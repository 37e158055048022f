#!/usr/bin/env python3
"""Lists the functions of an ELF that can reach the panic handler.

Reads `llvm-objdump -d --demangle` output, builds the call graph (bl / b.w / b to a symbol),
and walks it backwards from `rust_begin_unwind`. Prints the equiframe functions that call a
panic path, each with the core panic entry points (or other functions) it calls directly.
"""
import re
import subprocess
import sys

elf, objdump = sys.argv[1], sys.argv[2]
asm = subprocess.run([objdump, "-d", "--demangle", "--no-show-raw-insn", elf],
                     capture_output=True, text=True, check=True).stdout
func_re = re.compile(r"^[0-9a-f]+ <(.+)>:$")
call_re = re.compile(r"\s(?:bl|blx|b|b\.w|b[a-z]{2}|b[a-z]{2}\.w)\s+(?:0x)?[0-9a-f]+ <(.+?)(?:\+0x[0-9a-f]+)?>")
calls = {}
cur = None
for line in asm.splitlines():
    m = func_re.match(line)
    # ARM mapping symbols ($t, $d, $t.N) mark code/data inside a function, not a new one.
    if m and m.group(1).startswith("$"):
        continue
    if m:
        cur = m.group(1)
        calls.setdefault(cur, set())
        continue
    if cur is None:
        continue
    c = call_re.search(line)
    if c and c.group(1) != cur:
        calls[cur].add(c.group(1))
reach = {f for f in calls if f.endswith("rust_begin_unwind") or "panic_handler" in f}
changed = True
while changed:
    changed = False
    for f, cs in calls.items():
        if f not in reach and cs & reach:
            reach.add(f)
            changed = True
def short(n):
    n = re.sub(r"::h[0-9a-f]{16}$", "", n)
    return n
ours = sorted(f for f in reach if "equiframe" in f and "equiframe_nopanic" not in f)
mains = sorted(f for f in reach if f in ("main", "validate::__cortex_m_rt_main") or "__cortex_m_rt_main" in f)
for f in ours:
    direct = sorted(short(c) for c in calls[f] & reach if "equiframe" not in c)
    print(f"{short(f)}" + (f"  -> {', '.join(direct)}" if direct else ""))
if not ours and mains:
    for f in mains:
        direct = sorted(short(c) for c in calls[f] & reach)
        print(f"{short(f)} (inlined code)  -> {', '.join(direct)}")
print(f"{len(ours)} equiframe functions reach the panic handler", file=sys.stderr)
