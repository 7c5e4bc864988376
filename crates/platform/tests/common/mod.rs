//! Shared helpers for the platform crate's integration tests: loading fixture DTBs.
#![allow(dead_code)]

use platform::{Platform, PlatformError};

/// Reads `fixtures/<name>` (a path relative to the fixtures directory).
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// Parses a fixture that must be valid.
pub fn parse(name: &str) -> Platform {
    Platform::from_dtb(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Parses a fixture that must be rejected, returning the error.
pub fn reject(name: &str) -> PlatformError {
    match Platform::from_dtb(&fixture(name)) {
        Ok(p) => panic!("{name} parsed but should not have: {p:?}"),
        Err(e) => e,
    }
}
