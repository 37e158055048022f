//! CARMEN log files (plain or gzip): the `FLASER` and `ODOM` messages.
//!
//! - `FLASER n r_1 .. r_n x y theta odom_x odom_y odom_theta timestamp hostname logger_timestamp`:
//!   `n` ranges (m) spread over the laser's field of view, then the robot pose, the odometry
//!   pose, and times (s).
//! - `ODOM x y theta tv rv accel timestamp hostname logger_timestamp`.
//!
//! Other messages (`PARAM`, `SYNC`, `NEFF`, `RLASER`, `TRUEPOS`, ...) and comment lines (`#`)
//! are skipped. A `FLASER` or `ODOM` line with too few fields or a field that is not a finite
//! number is an error naming its line number (1-based).

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// One `FLASER` message.
#[derive(Debug, Clone, PartialEq)]
pub struct Laser {
    /// 1-based line number in the log.
    pub line: usize,
    /// Ranges (m), one per beam.
    pub ranges: Vec<f32>,
    /// Robot pose `(x, y, theta)` written with the scan (in corrected logs: the corrected pose).
    pub pose: [f64; 3],
    /// Odometry pose written with the scan.
    pub odom_pose: [f64; 3],
    /// Timestamp (s).
    pub time: f64,
}

/// One `ODOM` message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Odom {
    /// 1-based line number in the log.
    pub line: usize,
    /// Odometry pose `(x, y, theta)`.
    pub pose: [f64; 3],
    /// Timestamp (s).
    pub time: f64,
}

/// The messages of a log that odometry uses, in file order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Log {
    /// `FLASER` messages.
    pub lasers: Vec<Laser>,
    /// `ODOM` messages.
    pub odom: Vec<Odom>,
}

/// A log that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CarmenError {
    /// The file could not be opened or read (or is not valid gzip).
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A malformed message line.
    #[error("{path}:{line}: {what}")]
    Line {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        what: String,
    },
}

fn num(fields: &[&str], i: usize, what: &str) -> Result<f64, String> {
    let f = fields.get(i).ok_or_else(|| {
        format!(
            "{} has {} fields, {what} (field {}) is missing",
            fields[0],
            fields.len(),
            i + 1
        )
    })?;
    match f.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!(
            "{} field {} ({what}) is {f:?}, not a finite number",
            fields[0],
            i + 1
        )),
    }
}

fn laser(fields: &[&str], line: usize) -> Result<Laser, String> {
    let n = num(fields, 1, "beam count")?;
    if n.fract() != 0.0 || !(1.0..=100_000.0).contains(&n) {
        return Err(format!("FLASER beam count {n} is not a positive integer"));
    }
    let n = n as usize;
    let need = 2 + n + 7;
    if fields.len() < need {
        return Err(format!(
            "FLASER with {n} beams needs at least {need} fields (ranges, pose, odometry pose, timestamp), found {}",
            fields.len()
        ));
    }
    let mut ranges = Vec::with_capacity(n);
    for i in 0..n {
        ranges.push(num(fields, 2 + i, "range")? as f32);
    }
    let b = 2 + n;
    Ok(Laser {
        line,
        ranges,
        pose: [
            num(fields, b, "x")?,
            num(fields, b + 1, "y")?,
            num(fields, b + 2, "theta")?,
        ],
        odom_pose: [
            num(fields, b + 3, "odom x")?,
            num(fields, b + 4, "odom y")?,
            num(fields, b + 5, "odom theta")?,
        ],
        time: num(fields, b + 6, "timestamp")?,
    })
}

fn odom(fields: &[&str], line: usize) -> Result<Odom, String> {
    Ok(Odom {
        line,
        pose: [
            num(fields, 1, "x")?,
            num(fields, 2, "y")?,
            num(fields, 3, "theta")?,
        ],
        time: num(fields, 7, "timestamp")?,
    })
}

/// Parses a log from `reader`; `path` names it in errors.
pub fn parse(reader: impl BufRead, path: &str) -> Result<Log, CarmenError> {
    let mut log = Log::default();
    for (i, line) in reader.lines().enumerate() {
        let line_no = i + 1;
        let text = line.map_err(|source| CarmenError::Io {
            path: path.to_string(),
            source,
        })?;
        let fields: Vec<&str> = text.split_whitespace().collect();
        let res = match fields.first() {
            Some(&"FLASER") => laser(&fields, line_no).map(|l| log.lasers.push(l)),
            Some(&"ODOM") => odom(&fields, line_no).map(|o| log.odom.push(o)),
            _ => Ok(()),
        };
        res.map_err(|what| CarmenError::Line {
            path: path.to_string(),
            line: line_no,
            what,
        })?;
    }
    Ok(log)
}

/// Reads a log file, gzip-compressed when it starts with the gzip magic bytes.
pub fn read(path: &Path) -> Result<Log, CarmenError> {
    let name = path.display().to_string();
    let io = |source| CarmenError::Io {
        path: name.clone(),
        source,
    };
    let mut file = BufReader::new(File::open(path).map_err(io)?);
    let gz = file.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b]);
    let reader: Box<dyn Read> = if gz {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    parse(BufReader::new(reader), &name)
}

/// The odometry pose at time `t`, linearly interpolated between the `ODOM` messages around it
/// (the first or last one outside their span); `None` without `ODOM` messages.
pub fn odom_at(odom: &[Odom], t: f64) -> Option<[f64; 3]> {
    let first = odom.first()?;
    let k = odom.partition_point(|o| o.time <= t);
    if k == 0 {
        return Some(first.pose);
    }
    let a = odom[k - 1];
    let Some(b) = odom.get(k) else {
        return Some(a.pose);
    };
    let dt = b.time - a.time;
    let f = if dt > 0.0 { (t - a.time) / dt } else { 0.0 };
    let dth = (b.pose[2] - a.pose[2] + std::f64::consts::PI).rem_euclid(2.0 * std::f64::consts::PI)
        - std::f64::consts::PI;
    Some([
        a.pose[0] + f * (b.pose[0] - a.pose[0]),
        a.pose[1] + f * (b.pose[1] - a.pose[1]),
        a.pose[2] + f * dth,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_messages_and_names_bad_lines() {
        let text = "# comment\nPARAM a 1 nohost 0\nODOM 1 2 0.5 0 0 0 3.5 h 3.5\nFLASER 3 1 2 3 0.1 0.2 0.3 1 2 0.5 4.0 h 4.0\n";
        let log = parse(text.as_bytes(), "x.log").unwrap();
        assert_eq!(log.lasers.len(), 1);
        assert_eq!(log.lasers[0].ranges, vec![1.0, 2.0, 3.0]);
        assert_eq!(log.lasers[0].pose, [0.1, 0.2, 0.3]);
        assert_eq!(log.lasers[0].line, 4);
        assert_eq!(log.odom[0].pose, [1.0, 2.0, 0.5]);
        let bad = "ODOM 1 2 0.5 0 0 0 3.5 h 3.5\nFLASER 3 1 2 x 0.1 0.2 0.3 1 2 0.5 4.0 h 4.0\n";
        let e = parse(bad.as_bytes(), "x.log").unwrap_err().to_string();
        assert!(e.starts_with("x.log:2: ") && e.contains("field 5"), "{e}");
        let short = "FLASER 3 1 2 3 0.1\n";
        let e = parse(short.as_bytes(), "x.log").unwrap_err().to_string();
        assert!(e.starts_with("x.log:1: "), "{e}");
        let e = parse("ODOM 1 2\n".as_bytes(), "x.log")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("x.log:1: ") && e.contains("missing"), "{e}");
    }

    #[test]
    fn odometry_interpolates() {
        let o = [
            Odom {
                line: 1,
                pose: [0.0, 0.0, 3.0],
                time: 1.0,
            },
            Odom {
                line: 2,
                pose: [2.0, 0.0, -3.0],
                time: 2.0,
            },
        ];
        let p = odom_at(&o, 1.5).unwrap();
        assert!((p[0] - 1.0).abs() < 1e-12);
        // Through the +-pi seam, not across zero.
        assert!((p[2] - (3.0 + 0.5 * (2.0 * std::f64::consts::PI - 6.0))).abs() < 1e-9);
        assert_eq!(odom_at(&o, 0.0).unwrap(), [0.0, 0.0, 3.0]);
        assert_eq!(odom_at(&[], 0.0), None);
    }
}
