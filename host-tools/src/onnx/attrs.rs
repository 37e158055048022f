//! Reading node attributes, with errors that name the node.

use super::proto::{AttributeProto, NodeProto};
use super::OnnxError;

/// A node being lowered: its name and op type, for error messages.
#[derive(Debug, Clone, Copy)]
pub struct NodeRef<'a> {
    /// The node.
    pub node: &'a NodeProto,
}

impl<'a> NodeRef<'a> {
    /// Node name (or its first output when unnamed). Nodes of the dynamo exporter carry their
    /// PyTorch module path in `pkg.torch.onnx.name_scopes`; it is prefixed as `/a/b/` so
    /// [`super::error::layer_of`] finds the layer as it does in TorchScript names.
    pub fn name(&self) -> String {
        let base = match self.node.name() {
            "" => self
                .node
                .output
                .first()
                .map_or_else(|| "<unnamed>".into(), |o| format!("<unnamed, output {o}>")),
            n => n.to_string(),
        };
        if base.starts_with('/') {
            return base;
        }
        let prop = |key: &str| {
            self.node
                .metadata_props
                .iter()
                .find(|p| p.key() == key)
                .map(|p| p.value().to_string())
        };
        let scopes = prop("namespace")
            .map(|v| namespace_modules(&v))
            .or_else(|| prop("pkg.torch.onnx.name_scopes").map(|v| scope_list(&v)))
            .unwrap_or_default();
        if scopes.is_empty() {
            base
        } else {
            format!("/{}/{base}", scopes.join("/"))
        }
    }

    /// Op type.
    pub fn op(&self) -> &'a str {
        self.node.op_type()
    }

    /// An error about this node.
    pub fn err(&self, problem: impl Into<String>) -> OnnxError {
        OnnxError::Node {
            node: self.name(),
            op_type: self.op().to_string(),
            problem: problem.into(),
        }
    }

    /// An unsupported-attribute error about this node.
    pub fn bad_attr(
        &self,
        attribute: &str,
        value: impl std::fmt::Debug,
        supported: &str,
    ) -> OnnxError {
        OnnxError::UnsupportedAttribute {
            node: self.name(),
            op_type: self.op().to_string(),
            attribute: attribute.to_string(),
            value: {
                let v = format!("{value:?}");
                v.strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .map_or(v.clone(), str::to_string)
            },
            supported: supported.to_string(),
        }
    }

    /// The attribute `name`, if present.
    pub fn attr(&self, name: &str) -> Option<&'a AttributeProto> {
        self.node.attribute.iter().find(|a| a.name() == name)
    }

    /// Integer attribute or default.
    pub fn int(&self, name: &str, default: i64) -> i64 {
        self.attr(name).and_then(|a| a.i).unwrap_or(default)
    }

    /// Float attribute or default.
    pub fn float(&self, name: &str, default: f32) -> f32 {
        self.attr(name).and_then(|a| a.f).unwrap_or(default)
    }

    /// Integer-list attribute, if present.
    pub fn ints(&self, name: &str) -> Option<Vec<i64>> {
        self.attr(name).map(|a| a.ints.clone())
    }

    /// String attribute, if present.
    pub fn string(&self, name: &str) -> Option<String> {
        self.attr(name)
            .and_then(|a| a.s.as_ref())
            .map(|s| String::from_utf8_lossy(s).into_owned())
    }

    /// Fails on any attribute not in `known`.
    pub fn only_attrs(&self, known: &[&str]) -> Result<(), OnnxError> {
        match self
            .node
            .attribute
            .iter()
            .find(|a| !known.contains(&a.name()))
        {
            Some(a) => Err(self.bad_attr(a.name(), "(present)", &format!("attributes {known:?}"))),
            None => Ok(()),
        }
    }
}

/// Normalizes a possibly negative axis for a tensor of `rank` dimensions.
pub fn norm_axis(node: &NodeRef<'_>, axis: i64, rank: usize) -> Result<usize, OnnxError> {
    let r = rank as i64;
    if axis < -r || axis >= r {
        return Err(node.err(format!("axis {axis} is out of range for rank {rank}")));
    }
    Ok(if axis < 0 {
        (axis + r) as usize
    } else {
        axis as usize
    })
}

/// The module names of a dynamo `namespace` value such as
/// `: __main__.M/fc: torch.nn.modules.linear.Linear/linear: aten.linear.default` (`["fc"]`):
/// every `name: type` step but the root and the final aten op.
fn namespace_modules(v: &str) -> Vec<String> {
    let steps: Vec<&str> = v.split('/').collect();
    let Some((_, inner)) = steps.split_first() else {
        return Vec::new();
    };
    let inner = match inner.split_last() {
        Some((last, rest)) if last.contains(": aten.") || last.contains(": <built-in") => rest,
        _ => inner,
    };
    inner
        .iter()
        .filter_map(|s| s.split(':').next())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The module path of a `name_scopes` value such as `['', 'blocks', 'blocks.0']`.
fn scope_list(v: &str) -> Vec<String> {
    v.trim_matches(|c| c == '[' || c == ']')
        .split(',')
        .map(|s| s.trim().trim_matches(|c| c == '\'' || c == '"').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}
