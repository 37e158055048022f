//! The library behind the `equiframe` command-line tool: everything that runs on the desktop
//! only (ONNX import, quantization, the blob writer, `.npy` files, the commands).

#![deny(missing_docs)]

pub mod blob;
pub mod carmen;
pub mod cli;
pub mod commands;
pub mod demo;
pub mod ir;
pub mod npy;
pub mod onnx;
pub mod progress;
pub mod quantize;
pub mod tflite;
