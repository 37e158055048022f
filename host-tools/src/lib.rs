//! The library behind the `equiframe` command-line tool: everything that runs on the desktop
//! only (ONNX import, quantization, the blob writer, `.npy` files, the commands).

pub mod blob;
