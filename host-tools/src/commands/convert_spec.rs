//! `--frames`, `--schema` and `--outputs` of `convert`: parsed into the blob's frame options,
//! input-schema fields and output ranges.

use anyhow::{bail, Context};

use crate::blob::{Field, FieldKind, Group, OutputKind, OutputSpec};
use crate::cli::FramesArg;
use equiframe::frame::InputSchema;

/// The group and spatial dimension of `--frames` (`none`: 3-D, no group).
pub fn group_of(frames: FramesArg) -> (Option<Group>, u8) {
    match frames {
        FramesArg::O3 => (Some(Group::O3), 3),
        FramesArg::So3 => (Some(Group::SO3), 3),
        FramesArg::O2 => (Some(Group::O2), 2),
        FramesArg::So2 => (Some(Group::SO2), 2),
        FramesArg::None => (None, 3),
    }
}

/// Input-schema fields from `--schema` for rows of `channels` channels in `dim` dimensions.
/// `None` means the default: positions in `0..dim`, the rest scalars (no field at all when
/// the model has no frames or fewer than `dim` channels).
pub fn parse_schema(
    spec: Option<&str>,
    dim: u8,
    channels: usize,
    has_frames: bool,
) -> anyhow::Result<Vec<Field>> {
    let d = usize::from(dim);
    let fields = match spec.map(str::trim) {
        None if !has_frames => Vec::new(),
        None | Some("points") => {
            if channels < d {
                bail!("--schema: the model has {channels} input channels, fewer than the {d} position channels");
            }
            vec![Field {
                kind: FieldKind::Position,
                offset: 0,
            }]
        }
        Some("imu") => InputSchema::imu().fields().to_vec(),
        Some(list) => list
            .split(',')
            .map(|item| {
                let (kind, at) = item.split_once(':').with_context(|| {
                    format!(
                        "--schema: '{item}' is not KIND:CHANNEL (kinds: pos, vec, axial, scalar)"
                    )
                })?;
                let kind = match kind.trim() {
                    "pos" | "position" => FieldKind::Position,
                    "vec" | "vector" => FieldKind::Vector,
                    "axial" => FieldKind::Axial,
                    "scalar" => FieldKind::Scalar,
                    other => bail!(
                        "--schema: unknown field kind '{other}' (kinds: pos, vec, axial, scalar)"
                    ),
                };
                let offset: u8 = at.trim().parse().with_context(|| {
                    format!("--schema: channel '{at}' of '{item}' is not a number 0..=254")
                })?;
                Ok(Field { kind, offset })
            })
            .collect::<anyhow::Result<_>>()?,
    };
    equiframe::frame::InputSchema::new(d, channels, &fields)
        .map_err(|e| anyhow::anyhow!("--schema: {e} ({channels} input channels, dim {d})"))?;
    Ok(fields)
}

/// Output ranges from `--outputs` (`KIND[:LEN],...`) for a model whose graph outputs have
/// `parts` channels each (their sum is `K`); default: one invariant range per graph output.
/// With one item per graph output, an item without a length takes its output's.
pub fn parse_outputs(
    spec: Option<&str>,
    dim: u8,
    parts: &[usize],
) -> anyhow::Result<Vec<OutputSpec>> {
    let k: usize = parts.iter().sum();
    let Some(spec) = spec else {
        return Ok(parts
            .iter()
            .map(|&p| OutputSpec::new(OutputKind::Invariant, p))
            .collect());
    };
    let d = usize::from(dim);
    let mut out = Vec::new();
    let items: Vec<&str> = spec.split(',').collect();
    let per_output = items.len() == parts.len() && parts.len() > 1;
    for (idx, item) in items.iter().copied().enumerate() {
        let (name, len) = match item.split_once(':') {
            Some((n, l)) => (
                n.trim(),
                Some(l.trim().parse::<usize>().with_context(|| {
                    format!("--outputs: length '{l}' of '{item}' is not a number")
                })?),
            ),
            None => (item.trim(), None),
        };
        let (kind, natural) = match name {
            "invariant" => (OutputKind::Invariant, None),
            "vector" => (OutputKind::Vector, Some(d)),
            "point" => (OutputKind::Point, Some(d)),
            "axial" => (OutputKind::Axial, Some(if d == 3 { 3 } else { 1 })),
            "rotation" => (OutputKind::Rotation, Some(d * d)),
            "quaternion" if d == 3 => (OutputKind::Quaternion, Some(4)),
            other => bail!(
                "--outputs: unknown kind '{other}' (kinds: invariant, vector, point, axial, rotation, quaternion (3-D))"
            ),
        };
        let len = match (len, natural) {
            (Some(l), Some(n)) if l != n => {
                bail!("--outputs: {name} has {n} channels in {d}-D, not {l}")
            }
            (Some(l), _) => l,
            (None, Some(n)) => n,
            (None, None) if per_output => parts[idx],
            (None, None) => bail!("--outputs: '{item}' needs a length (invariant:LEN)"),
        };
        if len == 0 {
            bail!("--outputs: '{item}' has length 0");
        }
        out.push(OutputSpec::new(kind, len));
    }
    let total: usize = out.iter().map(|o| o.len).sum();
    if total != k {
        bail!("--outputs: the ranges cover {total} channels, the model outputs {k}");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_and_outputs_parse_and_refuse() {
        let f = parse_schema(Some("pos:0,vec:3,scalar:6"), 3, 7, true).unwrap();
        assert_eq!(f.len(), 3);
        assert_eq!(parse_schema(None, 3, 4, true).unwrap().len(), 1);
        assert!(parse_schema(None, 3, 4, false).unwrap().is_empty());
        assert!(parse_schema(Some("pos:2"), 3, 4, true).is_err());
        assert!(parse_schema(Some("blob:0"), 3, 4, true).is_err());
        let o = parse_outputs(Some("invariant:2,vector"), 3, &[5]).unwrap();
        assert_eq!(o[1], OutputSpec::new(OutputKind::Vector, 3));
        assert!(parse_outputs(Some("vector:2"), 3, &[2]).is_err());
        assert!(parse_outputs(Some("invariant:2"), 3, &[3]).is_err());
        // Two graph outputs: one range each by default, lengths taken from the outputs.
        let two = parse_outputs(None, 3, &[4, 3]).unwrap();
        assert_eq!(two.len(), 2);
        let o = parse_outputs(Some("invariant,vector"), 3, &[4, 3]).unwrap();
        assert_eq!(o[0], OutputSpec::new(OutputKind::Invariant, 4));
        assert_eq!(o[1], OutputSpec::new(OutputKind::Vector, 3));
        assert!(parse_outputs(Some("invariant"), 3, &[4, 3]).is_err());
    }
}
