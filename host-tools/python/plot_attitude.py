#!/usr/bin/env python3
"""SVG of the inclination error over time on one BROAD trial, equiframe against VQF 6D, from the
CSV that `eval_attitude.py --series TRIAL --series-out FILE` writes (standard library only).

    python3 host-tools/python/plot_attitude.py errors.csv docs/img/attitude_inclination.svg "15 fast translation A"
"""

import csv
import sys


def main():
    src, dst = sys.argv[1], sys.argv[2]
    title = sys.argv[3] if len(sys.argv) > 3 else ""
    rows = []
    with open(src) as f:
        for r in csv.reader(l for l in f if not l.startswith("#")):
            rows.append([float(v) for v in r])
    t = [r[0] for r in rows]
    series = [("equiframe attitude", "#d62728", [r[1] for r in rows]),
              ("VQF 6D", "#1f77b4", [r[2] for r in rows])]
    move = [r[3] > 0.5 for r in rows]
    w, h, ml, mr, mt, mb = 900, 320, 60, 20, 30, 40
    finite = [v for _, _, s in series for v, m in zip(s, move) if m and v == v]
    ymax = max(1.0, sorted(finite)[int(0.995 * (len(finite) - 1))] * 1.1)
    tmax = t[-1]
    X = lambda x: ml + (w - ml - mr) * x / tmax
    Y = lambda y: mt + (h - mt - mb) * (1 - min(y, ymax) / ymax)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{ml}" y="18">Inclination error (deg) over time, BROAD {title} (movement phase shaded)</text>']
    # Movement phase shading.
    start = None
    for i, m in enumerate(move + [False]):
        if m and start is None:
            start = t[i]
        if not m and start is not None:
            out.append(f'<rect x="{X(start):.1f}" y="{mt}" width="{X(t[i - 1]) - X(start):.1f}" height="{h - mt - mb}" fill="#f0f0f0"/>')
            start = None
    for k in range(6):
        y = ymax * k / 5
        out.append(f'<line x1="{ml}" x2="{w - mr}" y1="{Y(y):.1f}" y2="{Y(y):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{ml - 6}" y="{Y(y) + 4:.1f}" text-anchor="end">{y:.1f}</text>')
    for k in range(0, int(tmax) + 1, max(1, int(tmax / 10))):
        out.append(f'<text x="{X(k):.1f}" y="{h - mb + 16}" text-anchor="middle">{k}</text>')
    out.append(f'<text x="{(w + ml) / 2}" y="{h - 6}" text-anchor="middle">time (s)</text>')
    for j, (name, color, s) in enumerate(series):
        pts = " ".join(f"{X(x):.1f},{Y(y):.1f}" for x, y in zip(t, s) if y == y)
        out.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="1"/>')
        out.append(f'<text x="{w - mr - 160}" y="{mt + 16 + 16 * j}" fill="{color}">{name}</text>')
    out.append("</svg>")
    with open(dst, "w") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    main()
