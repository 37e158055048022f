//! The subcommands: each takes its parsed arguments and returns an error to print as one line.

pub mod attitude;
pub mod bench;
pub mod bench_onnx;
pub mod convert;
pub mod convert_lower;
pub mod convert_spec;
pub mod convert_tflite;
pub mod demo;
pub mod frames;
pub mod frames_core;
pub mod inspect;
pub mod keygen;
pub mod odometry2d;
pub mod origin;
pub mod run;
pub mod samples;
pub mod sign;
pub mod verify;

use crate::cli::{Cli, Command};

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let quiet = cli.quiet;
    match cli.command {
        Command::Frames(args) => frames::run(&args, quiet),
        Command::Convert(args) => convert::run(&args, quiet),
        Command::Inspect(args) => inspect::run(&args),
        Command::Verify(args) => verify::run(&args, quiet),
        Command::Run(args) => run::run(&args, quiet),
        Command::Bench(args) => bench::run(&args, quiet),
        Command::Demo(args) => demo::run(&args),
        Command::Attitude(args) => attitude::run(&args, quiet),
        Command::Keygen(args) => keygen::run(&args),
        Command::Sign(args) => sign::run(&args),
        Command::Odometry2d(args) => odometry2d::run(&args, quiet),
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
