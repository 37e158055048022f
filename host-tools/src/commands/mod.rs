//! The subcommands: each takes its parsed arguments and returns an error to print as one line.

pub mod bench;
pub mod bench_onnx;
pub mod frames;
pub mod frames_core;

use anyhow::bail;

use crate::cli::{Cli, Command};

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let quiet = cli.quiet;
    match cli.command {
        Command::Frames(args) => frames::run(&args, quiet),
        Command::Convert(_) => bail!("`convert` is not available yet in this build"),
        Command::Inspect(_) => bail!("`inspect` is not available yet in this build"),
        Command::Verify(_) => bail!("`verify` is not available yet in this build"),
        Command::Run(_) => bail!("`run` is not available yet in this build"),
        Command::Bench(args) => bench::run(&args, quiet),
        Command::Demo(_) => bail!("`demo` is not available yet in this build"),
    }
}

/// Writes `text` and a newline to stdout; a closed pipe (`| head`) is not an error.
pub fn print_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
