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
  equiframe bench pointnet.eqf --batch 4096 --vs onnxruntime --onnx pointnet.onnx
  equiframe attitude imu.npy --rate 285.7 -o q.npy")]
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
    /// Estimate orientation from IMU samples: Kalman filter on SO(3) fused with a learned
    /// gravity direction.
    Attitude(AttitudeArgs),
    /// Make an Ed25519 key pair for signing model blobs (KEY secret, KEY.pub public).
    Keygen(KeygenArgs),
    /// Sign a model blob: append an Ed25519 signature trailer checked by
    /// `Model::from_bytes_signed`.
    Sign(SignArgs),
}

/// Arguments of `keygen`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  equiframe keygen fleet.key          # writes fleet.key (32-byte seed) and fleet.key.pub
  equiframe sign model.eqf --key fleet.key

Firmware embeds the 32 bytes of KEY.pub and loads blobs with Model::from_bytes_signed,
which refuses unsigned, altered or foreign-signed blobs (docs/FORMAT.md, \"Signature trailer\").")]
pub struct KeygenArgs {
    /// Where to write the secret key (32 bytes, owner-only); the public key goes to OUTPUT.pub.
    pub output: PathBuf,
    /// Replace existing key files.
    #[arg(long)]
    pub force: bool,
}

/// Arguments of `sign`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  equiframe sign model.eqf --key fleet.key              # in place
  equiframe sign model.eqf --key fleet.key -o signed.eqf

An existing signature trailer is replaced. The blob is validated before it is signed, and the
signed file is verified with the public key before it is written.")]
pub struct SignArgs {
    /// The `.eqf` blob to sign.
    pub model: PathBuf,
    /// Secret key file written by `equiframe keygen`.
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// Where to write the signed blob (default: replace MODEL).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
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
#[command(after_help = crate::commands::convert::after_help())]
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
    /// Sign the blob with this secret key (from `equiframe keygen`): an Ed25519 trailer that
    /// `Model::from_bytes_signed` checks.
    #[arg(long, value_name = "KEY")]
    pub sign: Option<PathBuf>,
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
    /// The ONNX file the blob was converted from: also print its opset, input layout (and
    /// whether the converter absorbed a channels-first transpose) and graph outputs.
    #[arg(long)]
    pub onnx: Option<PathBuf>,
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

/// Arguments of `attitude`.
#[derive(Debug, Args)]
#[command(
    after_help = "Input: (N, 6) float: gyroscope rad/s x y z, then accelerometer m/s^2 x y z,
one row per sample at --rate Hz; (N, 9) adds a magnetometer (uT), used only with --mag.
Output: (N, 4) float32 unit quaternions w x y z rotating sensor coordinates into a world frame
with z up (heading arbitrary without --mag). Rows before the first usable accelerometer
sample hold the identity.

The filter: an error-state Kalman filter on SO(3) with gyroscope bias (rest detection
re-estimates it), a gravity update down-weighted under linear acceleration, and by default the
learned gravity measurement of the shipped inclination model every --every-blocks x 16 samples
once its 2048-sample window is full (its rate: 286 Hz in BROAD, 7.2 s window).

Examples:
  equiframe attitude imu.npy --rate 285.7 -o q.npy
  equiframe attitude imu.npy --rate 285.7 -o q.npy --no-model
  equiframe attitude imu9.npy --rate 100 -o q.npy --mag --cov cov.npy
  equiframe attitude imu.npy --rate 285.7 -o q.npy --model gravity.eqf --model-sigma 0.05"
)]
pub struct AttitudeArgs {
    /// IMU samples `.npy`, (N, 6) or (N, 9), float32 or float64.
    pub imu: PathBuf,
    /// Sample rate, Hz.
    #[arg(long)]
    pub rate: f32,
    /// Where to write the (N, 4) quaternions.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Use the magnetometer columns 6..9 for heading.
    #[arg(long)]
    pub mag: bool,
    /// Learned gravity model blob (6 channels, 3 outputs); the shipped inclination model by
    /// default.
    #[arg(long, conflicts_with = "no_model")]
    pub model: Option<PathBuf>,
    /// Run the filter alone, without the learned gravity measurement.
    #[arg(long)]
    pub no_model: bool,
    /// Run the network every this many 16-sample blocks.
    #[arg(long, default_value_t = 8)]
    pub every_blocks: usize,
    /// Trust in the network's gravity direction: its noise, rad.
    #[arg(long, default_value_t = 0.02)]
    pub model_sigma: f32,
    /// Also write the (N, 9) rotation-error covariance (sensor frame, rad^2, row-major 3x3).
    #[arg(long)]
    pub cov: Option<PathBuf>,
    /// Filter tuning: accelerometer direction noise, rad.
    #[arg(long)]
    pub accel_noise: Option<f32>,
    /// Filter tuning: accelerometer low-pass time constant in the strapdown frame, s (0: raw).
    #[arg(long)]
    pub accel_tau: Option<f32>,
    /// Filter tuning: gyroscope noise density, rad/s/sqrt(Hz).
    #[arg(long)]
    pub gyro_noise: Option<f32>,
    /// Filter tuning: down-weighting by the accelerometer norm deviation.
    #[arg(long)]
    pub k_norm: Option<f32>,
    /// Filter tuning: down-weighting by the deviation from the low-passed accelerometer.
    #[arg(long)]
    pub k_dev: Option<f32>,
    /// Filter tuning: rest detector gyroscope threshold, rad/s.
    #[arg(long)]
    pub rest_gyro: Option<f32>,
    /// Filter tuning: gyroscope bias random walk, rad/s^2/sqrt(Hz).
    #[arg(long)]
    pub bias_walk: Option<f32>,
}
