//! What a trap handler asks of the core's run loop once the guest's exception is handled.

/// After a trap: go back into the guest, or leave it to the run loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Return to the guest where the frame says.
    Resume,
    /// Leave the guest; the run loop decides what runs next.
    Yield(Yield),
}

/// Why a vCPU leaves its guest for the run loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Yield {
    /// Something for the run loop to look at (a claim, an arrival, the end of a slot, a due
    /// fault, a VM stopped elsewhere); the vCPU stays ready to run on.
    Attention,
    /// The vCPU powered itself off (PSCI CPU_OFF); it waits for a CPU_ON.
    VcpuOff,
    /// The VM stops: it powered off, or its fault policy stopped it.
    Stop(&'static str),
    /// The VM boots again from its image (PSCI SYSTEM_RESET, or its fault policy).
    Restart(&'static str),
}
