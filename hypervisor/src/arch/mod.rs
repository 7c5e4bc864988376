//! Architecture layer; only AArch64 is supported.
pub mod aarch64;
