//! Bounds on repository data shared by layers that cannot import each other (the walk in
//! `input` and the matchers in `syntax` read the same ignore files). README's
//! "Reliability bounds" lists them.

/// The largest ignore file (`.gitignore`, `.ignore`, `.dockerignore`) applied, in bytes.
/// Compiling patterns to regexes costs about 30 µs a pattern: 256 KiB (some 8,000
/// patterns, far past any hand-written file) bounds that to a fraction of a second. A
/// larger file is not applied, and the walk reports it.
pub const MAX_IGNORE_FILE: usize = 256 * 1024;

/// The longest ignore pattern line kept, in bytes (a pattern that long costs gigabytes to
/// compile); longer lines are dropped.
pub const MAX_IGNORE_LINE: usize = 4096;

/// The most stages of one Dockerfile analysed. A stage `FROM` an earlier one starts with
/// that stage's history, so a chain of stages costs the square of its length (3,000
/// chained stages took minutes); real Dockerfiles have a few dozen at most. A Dockerfile
/// with more is not analysed, and the run's summary says so.
pub const MAX_DOCKER_STAGES: usize = 256;
