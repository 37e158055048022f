//! External tensor data: initializers whose bytes live in a file beside the model
//! (`model.onnx.data`, as torch's dynamo exporter writes), located by the `location`,
//! `offset` and `length` entries of `TensorProto.external_data`.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use super::proto::TensorProto;
use super::OnnxError;

/// Data files read so far, by location.
#[derive(Debug, Default)]
pub(crate) struct DataFiles {
    files: HashMap<String, Vec<u8>>,
}

impl DataFiles {
    /// `t` with its external bytes moved into `raw_data` (unchanged when it has none). `dir`
    /// is the model's folder; `None` when the model came from bytes without a file.
    pub(crate) fn resolve(
        &mut self,
        t: &TensorProto,
        dir: Option<&Path>,
    ) -> Result<Option<TensorProto>, OnnxError> {
        if t.data_location != Some(1) {
            return Ok(None);
        }
        let bad = |problem: String| OnnxError::Tensor {
            name: t.name().to_string(),
            problem,
        };
        let get = |key: &str| {
            t.external_data
                .iter()
                .find(|e| e.key() == key)
                .map(|e| e.value().to_string())
        };
        let location =
            get("location").ok_or_else(|| bad("external data without a location".into()))?;
        let number = |key: &str| -> Result<Option<usize>, OnnxError> {
            get(key)
                .map(|v| {
                    v.trim()
                        .parse::<usize>()
                        .map_err(|_| bad(format!("external data {key} '{v}' is not a number")))
                })
                .transpose()
        };
        let (offset, length) = (number("offset")?.unwrap_or(0), number("length")?);
        let Some(dir) = dir else {
            return Err(bad(format!(
                "the weights are in the external file '{location}'; load the model from its file so that it can be found"
            )));
        };
        let rel = Path::new(&location);
        if rel.is_absolute() || rel.components().any(|c| matches!(c, Component::ParentDir)) {
            return Err(bad(format!(
                "external data location '{location}' must be a file name relative to the model's folder"
            )));
        }
        if !self.files.contains_key(&location) {
            let path: PathBuf = dir.join(rel);
            let bytes = std::fs::read(&path).map_err(|error| OnnxError::Io {
                path: path.clone(),
                error,
            })?;
            self.files.insert(location.clone(), bytes);
        }
        let file = &self.files[&location];
        let end = match length {
            Some(l) => offset.checked_add(l),
            None => Some(file.len()),
        };
        let bytes = end.and_then(|e| file.get(offset..e)).ok_or_else(|| {
            bad(format!(
                "external data {offset}+{length:?} lies outside '{location}' ({} bytes)",
                file.len()
            ))
        })?;
        let mut out = t.clone();
        out.data_location = Some(0);
        out.external_data.clear();
        out.raw_data = Some(bytes.to_vec());
        Ok(Some(out))
    }
}
