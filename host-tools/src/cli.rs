//! Command-line arguments of the `equiframe` tool (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// equiframe: frame-averaged int8 networks that are exactly invariant to rotations,
/// reflections, translations and point order, for microcontrollers.
#[derive(Debug, Parser)]
#[command(name = "equiframe", version, propagate_version = true)]
#[command(after_help = "Examples:
  equiframe demo --plot pictures
  equiframe frames cloud.npy -o frames.npy --group o3 --json
  equiframe convert pointnet.onnx -o pointnet.eqf --frames o3 --calibration cal.npy
  equiframe inspect pointnet.eqf
  equiframe run pointnet.eqf --input x.npy -o y.npy
  equiframe verify pointnet.eqf --onnx pointnet.onnx --input x.npy
  equiframe bench pointnet.eqf --batch 4096 --vs onnxruntime --onnx pointnet.onnx")]
pub struct Cli {
    /// No progress bars (they are also hidden when stderr is not a terminal).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Convert an ONNX backbone into an `.eqf` model blob (int8 or f32), adding the frames.
    Convert(ConvertArgs),
    /// Print a model blob: layers, shapes, parameters, quantization, frames, flash and RAM.
    Inspect(InspectArgs),
    /// Compare a model blob with onnxruntime (and the float reference) on the same inputs.
    Verify(VerifyArgs),
    /// Evaluate a model blob on a batch of raw inputs from a `.npy` file.
    Run(RunArgs),
    /// Compute the frame sets (centroid + principal axes, all sign flips) of point sets.
    Frames(FramesArgs),
    /// Time equiframe and onnxruntime on the same model and inputs.
    Bench(BenchArgs),
    /// Run the demo: frames, the FA-PointNet and the shipped models (accuracy, invariance
    /// under random rotations, flash, arena, MACs, speed), all offline.
    Demo(DemoArgs),
    /// Planar robot poses from the 2D lidar scans of a CARMEN log (SE(2) scan matching started
    /// from canonical frames).
    Odometry2d(crate::commands::odometry2d::Odometry2dArgs),
}

/// A frame group on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GroupArg {
    /// Rotations and reflections in 3D (8 frames).
    O3,
    /// Rotations in 3D (4 frames).
    So3,
    /// Rotations and reflections in 2D (4 frames).
    O2,
    /// Rotations in 2D (2 frames).
    So2,
}

impl GroupArg {
    /// The dimension the group acts on.
    pub fn dim(self) -> usize {
        match self {
            GroupArg::O3 | GroupArg::So3 => 3,
            GroupArg::O2 | GroupArg::So2 => 2,
        }
    }

    /// The name as written on the command line.
    pub fn name(self) -> &'static str {
        match self {
            GroupArg::O3 => "o3",
            GroupArg::So3 => "so3",
            GroupArg::O2 => "o2",
            GroupArg::So2 => "so2",
        }
    }
}

/// The frame group of a converted model, or none (the backbone alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FramesArg {
    /// O(3): 8 frames.
    O3,
    /// SO(3): 4 frames.
    So3,
    /// O(2): 4 frames.
    O2,
    /// SO(2): 2 frames.
    So2,
    /// No frames: the backbone runs once on the raw input.
    None,
}

/// Order of the frame axes by eigenvalue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum AxisOrderArg {
    /// Largest eigenvalue first (FAENet; the default).
    #[default]
    Descending,
    /// Smallest eigenvalue first (the original Frame Averaging code).
    Ascending,
}

impl AxisOrderArg {
    /// The name as written on the command line.
    pub fn name(self) -> &'static str {
        match self {
            AxisOrderArg::Descending => "descending",
            AxisOrderArg::Ascending => "ascending",
        }
    }
}

/// How a converted model uses its frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ModeArg {
    /// Run the backbone once per frame of the full set and average.
    #[default]
    Average,
    /// Run the backbone once, in the canonical frame (equivariant sign rule).
    Canonical,
}

/// Numeric precision of a converted model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum PrecisionArg {
    /// int8 weights and activations (needs --calibration).
    #[default]
    Int8,
    /// float32 weights and activations.
    F32,
}

/// Arguments of `convert`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  equiframe convert pointnet.onnx -o pointnet.eqf --frames o3 --calibration cal.npy
  equiframe convert imu.onnx -o imu.eqf --frames so3 --schema imu --precision f32
  equiframe convert net.onnx -o net.eqf --frames o3 --schema pos:0,scalar:3 --outputs invariant:8

The ONNX input is one canonicalized batch (B,N,C), channels last. CAL.npy holds raw
(not canonicalized) float32 inputs of shape (B,N,C); each is expressed in all its frames for
calibration. int8 conversion prints the float-vs-int8 error per layer, warns about layers
whose ranges have outliers, and prints a predicted error bound for the averaged outputs.")]
pub struct ConvertArgs {
    /// The ONNX backbone.
    pub model: PathBuf,
    /// Where to write the `.eqf` blob.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Frame group added around the backbone.
    #[arg(long)]
    pub frames: FramesArg,
    /// Average over the full frame set, or run once in the canonical frame.
    #[arg(long, value_enum, default_value_t)]
    pub mode: ModeArg,
    /// Weight and activation precision.
    #[arg(long, value_enum, default_value_t)]
    pub precision: PrecisionArg,
    /// Raw inputs (B,N,C) for int8 calibration.
    #[arg(long)]
    pub calibration: Option<PathBuf>,
    /// Input channels: `points` (positions 0..d, scalars after), `imu`, or a list such as
    /// `pos:0,vec:3,axial:6` (remaining channels are scalars).
    #[arg(long)]
    pub schema: Option<String>,
    /// Output channels: a list such as `invariant:4,vector:3` (default: all invariant).
    #[arg(long)]
    pub outputs: Option<String>,
    /// Frame axis order the backbone was trained with.
    #[arg(long, value_enum, default_value_t)]
    pub axis_order: AxisOrderArg,
    /// Robust frames: when the relative eigengap of an input is below 0.01, average extra
    /// in-plane rotations over the degenerate eigenspace (more backbone passes on such inputs).
    #[arg(long)]
    pub robust: bool,
    /// Most rows (points) a variable-length model accepts; the arena is planned for it
    /// (default: the model's fixed N, else the calibration set's N, else 1024).
    #[arg(long)]
    pub max_points: Option<usize>,
}

/// Arguments of `inspect`.
#[derive(Debug, Args)]
#[command(after_help = "Example:
  equiframe inspect pointnet.eqf --json")]
pub struct InspectArgs {
    /// The `.eqf` blob.
    pub model: PathBuf,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `verify`.
#[derive(Debug, Args)]
#[command(after_help = "Example:
  equiframe verify pointnet.eqf --onnx pointnet.onnx --input x.npy

Runs host-tools/python/ort_run.py with the Python of $EQUIFRAME_PYTHON or the nearest .venv.
Exits with status 1 when an error is above the printed threshold (f32: 1e-5 relative;
int8: 5% of the largest output).")]
pub struct VerifyArgs {
    /// The `.eqf` blob.
    pub model: PathBuf,
    /// The ONNX backbone it was converted from.
    #[arg(long)]
    pub onnx: PathBuf,
    /// Raw inputs (B,N,C), float32.
    #[arg(long)]
    pub input: PathBuf,
    /// Maximum accepted error relative to the output range (default: the one the blob's
    /// precision predicts).
    #[arg(long)]
    pub threshold: Option<f32>,
}

/// Evaluation backends of `run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum BackendArg {
    /// Portable scalar kernels.
    #[default]
    Scalar,
    /// SIMD kernels (same integer results).
    Simd,
    /// CUDA (same integer results).
    Cuda,
}

/// Arguments of `run`.
#[derive(Debug, Args)]
#[command(after_help = "Example:
  equiframe run pointnet.eqf --input x.npy -o y.npy --threads 4

X is float32 (B,N,C) raw inputs; Y is float32 (B,K) outputs after frame averaging.
Whole models run on the scalar engine (bit-identical to the microcontroller); --backend simd
and cuda are refused until the batch backends run whole models.")]
pub struct RunArgs {
    /// The `.eqf` blob.
    pub model: PathBuf,
    /// Raw inputs (B,N,C) or one sample (N,C).
    #[arg(long)]
    pub input: PathBuf,
    /// Where to write the outputs.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Kernel backend.
    #[arg(long, value_enum, default_value_t)]
    pub backend: BackendArg,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// Peers `bench` can compare with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VsArg {
    /// onnxruntime (Python, `.venv`) on the same backbone ONNX with frame averaging around it.
    Onnxruntime,
}

/// Arguments of `bench`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  equiframe bench --make-synthetic models/
  equiframe bench models/fa_pointnet_int8.eqf --batch 4096 --vs onnxruntime --onnx models/fa_pointnet.onnx
  equiframe bench model.eqf --backend simd --threads 8

Times every backend with 1 thread and all threads (best of --repeat runs of the whole batch),
prints sets per second, the ratios to onnxruntime, and whether all equiframe backends gave
identical outputs. onnxruntime computes the frames with numpy inside its timed region.")]
pub struct BenchArgs {
    /// The `.eqf` blob.
    pub model: Option<PathBuf>,
    /// Samples per batch (generated anisotropic point clouds unless --input is given).
    #[arg(long, default_value_t = 4096)]
    pub batch: usize,
    /// Raw inputs (B,N,C) float32 instead of generated ones.
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Also time a peer on the same inputs.
    #[arg(long, value_enum)]
    pub vs: Option<VsArg>,
    /// Backends to time (comma-separated; default: scalar,simd).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub backend: Vec<BackendArg>,
    /// The "all threads" count (default: every logical CPU).
    #[arg(long)]
    pub threads: Option<usize>,
    /// The backbone ONNX for --vs onnxruntime (default: exported from an f32 blob).
    #[arg(long)]
    pub onnx: Option<PathBuf>,
    /// Timed runs per configuration; the best is printed.
    #[arg(long, default_value_t = 2)]
    pub repeat: usize,
    /// Python with onnxruntime (default: $EQUIFRAME_PYTHON, ./.venv, python3).
    #[arg(long)]
    pub python: Option<PathBuf>,
    /// Write the synthetic FA-PointNet (int8 and f32 blobs, f32 backbone ONNX) into DIR.
    #[arg(long, value_name = "DIR")]
    pub make_synthetic: Option<PathBuf>,
}

/// Arguments of `frames`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  equiframe frames cloud.npy -o frames.npy --group o3
  equiframe frames clouds.npy -o frames.npy --group so2 --axis-order ascending --json

INPUT is float32 or float64, shape (N,d) or (B,N,d) with d = 3 (o3, so3) or 2 (o2, so2).
OUT is float32 (B,K,d+1,d): rows 0..d-1 hold F (columns are the frame axes, so canonical
coordinates are (x - c) @ F), row d holds the centroid c; K = 8, 4, 4, 2.")]
pub struct FramesArgs {
    /// Point sets, (N,d) or (B,N,d).
    pub input: PathBuf,
    /// Where to write the frames.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Frame group.
    #[arg(long)]
    pub group: GroupArg,
    /// Order of the frame axes by eigenvalue.
    #[arg(long, value_enum, default_value_t)]
    pub axis_order: AxisOrderArg,
    /// Robust mode for (near-)repeated eigenvalues: extra frames averaged over the degenerate
    /// eigenspace (K becomes the largest set's frame count, up to 48; smaller sets are padded
    /// with all-zero frames).
    #[arg(long)]
    pub robust: bool,
    /// Print per set the eigenvalues, relative eigengap and degeneracy flag as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `demo`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  equiframe demo
  equiframe demo --plot pictures

Prints: the frames of a generated lidar cloud (spectrum, eigengap, speed, invariance of the
canonical coordinates under random rigid motions), then one table row per model: the
frame-averaged PointNet with synthetic weights (int8 and f32) and every shipped model under
host-tools/models (accuracy or error on its test windows, invariance under random rotations,
translations and permutations, flash and arena bytes, MACs, speed on one core).")]
pub struct DemoArgs {
    /// Also write SVG pictures into this folder: canonical frames over a lidar cloud,
    /// invariance error versus eigengap, int8 error per output.
    #[arg(long, value_name = "DIR")]
    pub plot: Option<std::path::PathBuf>,
    /// Root of the shipped models (default: host-tools/models of this source tree).
    #[arg(long, value_name = "DIR")]
    pub models: Option<std::path::PathBuf>,
    /// Fewer random draws and timing repetitions (for tests).
    #[arg(long)]
    pub quick: bool,
}

/// Arguments of commands that are not available yet.
#[derive(Debug, Args)]
pub struct PassThroughArgs {
    /// Arguments.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}
