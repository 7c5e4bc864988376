//! Device drivers the hypervisor keeps for itself, chosen by device-tree `compatible`.
pub mod gic;
pub mod uart;
