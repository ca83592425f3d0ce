//! One file per command: its arguments and the call to its operation.

pub mod down;
pub mod graph;
pub mod output;
pub mod plan;
pub mod status;
pub mod unlock;
pub mod up;
pub mod validate;

/// `--parallelism` shared by plan, up and down.
pub fn parse_parallelism(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=64).contains(&n) => Ok(n),
        _ => Err(format!("`{s}` is not a number from 1 to 64")),
    }
}

/// `--lock-timeout 30s`.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("`{s}`: {e} (write e.g. 30s or 5m)"))
}
