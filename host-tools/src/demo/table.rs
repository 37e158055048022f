//! Plain-text tables for the demo.

use super::ModelRow;

/// Formats `rows` as an aligned table with a header; numbers are right-aligned.
pub fn render(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut width: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in rows {
        for (w, cell) in width.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| -> String {
        let parts: Vec<String> = cells
            .iter()
            .zip(&width)
            .enumerate()
            .map(|(i, (c, &w))| {
                if i == 0 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect();
        format!("  {}", parts.join("  ").trim_end())
    };
    let mut out = vec![line(header.iter().map(|h| h.to_string()).collect())];
    out.push(format!(
        "  {}",
        width
            .iter()
            .map(|&w| "-".repeat(w))
            .collect::<Vec<_>>()
            .join("  ")
    ));
    out.extend(rows.iter().map(|r| line(r.clone())));
    out.join("\n")
}

/// Groups thousands with commas: `1234567 -> 1,234,567`.
pub fn thousands(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// The model table of the demo.
pub fn models(rows: &[ModelRow]) -> String {
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.name.clone(),
                r.kind.clone(),
                r.metric_name.clone(),
                r.metric.clone(),
                r.invariance.clone(),
                thousands(r.flash as u64),
                thousands(r.arena as u64),
                thousands(r.macs),
                format!("{:.0}", r.per_second),
            ]
        })
        .collect();
    format!(
        "Models (invariance: worst output change over random rotations, reflections where the \
         group has them, and for point sets translations and point permutations)\n{}\n",
        render(
            &[
                "model",
                "blob",
                "metric",
                "value",
                "invariance",
                "flash B",
                "arena B",
                "MACs/inference",
                "inferences/s (1 core)",
            ],
            &body,
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn render_aligns_columns() {
        let t = render(&["a", "bb"], &[vec!["xyz".into(), "1".into()]]);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "  a    bb");
        assert_eq!(lines[2], "  xyz   1");
    }
}
