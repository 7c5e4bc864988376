//! `kairos-eval`: the host side of the Kairos evaluation (see README.md, "Evaluation").
//!
//! Subcommands: `reliability`, `feasibility`, `report`, `gen-config`, `summarize`, `choice`.

#[macro_use]
mod output;
mod choice;
mod config;
mod feasibility;
mod gen;
mod modes;
mod plot;
mod reliability;
mod summarize;
mod trace;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "kairos-eval",
    version,
    about = "Kairos evaluation: reliability, feasibility, trace reports, fault-injection sweeps"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// R(t) and MTTF with and without migration (k-out-of-n with coverage), as a table.
    Reliability(reliability::Args),
    /// Static affordable downtime A, the largest copyable VM, and the feasibility region
    /// (VM size x utilization) of one VM's task set.
    Feasibility(feasibility::Args),
    /// Per-fault table and SVG timeline from one captured console log (`EVT {json}` lines).
    Report(trace::ReportArgs),
    /// Writes a random partition config (three RTOS VMs on cores 1-3, a fail-stop fault plan).
    GenConfig(gen::Args),
    /// Kairos's target choice against the first-spare policy, on the host, over the sweep's
    /// task sets and fault instants.
    Choice(choice::Args),
    /// Aggregates many captured console logs into eval/report.md with its plots.
    Summarize(summarize::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Reliability(a) => reliability::run(&a),
        Command::Feasibility(a) => feasibility::run(&a),
        Command::Report(a) => trace::run_report(&a),
        Command::GenConfig(a) => gen::run(&a),
        Command::Summarize(a) => summarize::run(&a),
        Command::Choice(a) => choice::run(&a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kairos-eval: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Errors are plain messages for the user.
pub type Result<T> = std::result::Result<T, String>;

/// Writes `text` to `path`, creating its directory.
pub fn write_file(path: &PathBuf, text: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}
