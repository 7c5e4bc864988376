//! What runs on each core: one run loop per core (`main_loop`) owns the choice of what runs
//! next (a guest vCPU, a time-partition slot, an arriving migrant, nothing); the other layers
//! return actions to it instead of jumping elsewhere. Each core's state is one struct
//! (`core`); `enter` puts a vCPU on the core; `traps` implements the architecture's trap
//! interface and brings a guest that leaves back to the loop.

pub mod core;
mod enter;
pub mod main_loop;
mod traps;

pub use main_loop::{finish, start};
