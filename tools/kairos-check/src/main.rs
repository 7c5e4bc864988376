//! `kairos-check`: checks partition configs against a board's platform DTB and prints every
//! problem with its node and property; exit status 0 when the hypervisor would accept each one
//! whole, 1 when one has errors, 2 when the check itself could not run. `make check` runs it.

use clap::Parser;
use kairos_check::{check, gdb, machine, report, source};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "kairos-check",
    version,
    about = "Checks a Kairos partition config as the hypervisor would at boot on the given platform"
)]
struct Args {
    /// The partition configs: .dts (compiled with dtc) or .dtb files, each checked on its own.
    #[arg(required = true)]
    configs: Vec<PathBuf>,
    /// The board's platform DTB (QEMU's for qemu-virt, boards/<board>/platform.dts compiled, or
    /// a board's own DTB; it may also carry the config itself).
    #[arg(long)]
    platform: PathBuf,
    /// Built-in guest images, "name=path,name=path" (the build's KAIROS_GUEST_IMAGES).
    #[arg(long, default_value = "")]
    images: String,
    /// The hypervisor Image: its header gives the memory it occupies from --load-addr.
    #[arg(long, requires = "load_addr")]
    hypervisor: Option<PathBuf>,
    /// Where the boot loader puts the Image (LOAD_ADDR of boards/<board>/board.mk).
    #[arg(long, value_parser = parse_number)]
    load_addr: Option<u64>,
    /// Also reserve where QEMU's -kernel boot puts the DTB it passes (`make run`).
    #[arg(long)]
    qemu: bool,
    /// Write gdb commands loading the guests' symbols (`make debug`) here, from the last config.
    #[arg(long, requires = "guest_elfs")]
    gdb_symbols: Option<PathBuf>,
    /// Where the built-in guest images' ELF files are (with --gdb-symbols).
    #[arg(long)]
    guest_elfs: Option<PathBuf>,
}

fn parse_number(text: &str) -> Result<u64, String> {
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16),
        None => text.parse(),
    };
    parsed.map_err(|_| format!("'{text}' is not a number"))
}

/// `name=path,...` to `(name, size)` pairs.
fn image_sizes(list: &str) -> Result<Vec<(String, u64)>, String> {
    list.split(',')
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let (name, path) = entry
                .split_once('=')
                .ok_or_else(|| format!("--images: '{entry}' is not name=path"))?;
            let size = std::fs::metadata(path)
                .map_err(|e| format!("--images: {path}: {e}"))?
                .len();
            Ok((name.to_string(), size))
        })
        .collect()
}

fn run(args: &Args) -> Result<bool, String> {
    let platform_dtb =
        std::fs::read(&args.platform).map_err(|e| format!("{}: {e}", args.platform.display()))?;
    let hypervisor = match (&args.hypervisor, args.load_addr) {
        (Some(image), Some(load)) => {
            let bytes = std::fs::read(image).map_err(|e| format!("{}: {e}", image.display()))?;
            let footprint = machine::image_footprint(&bytes, load)
                .map_err(|e| format!("{}: {e}", image.display()))?;
            Some(footprint)
        }
        _ => None,
    };
    let machine = machine::Machine::new(
        &platform_dtb,
        hypervisor,
        image_sizes(&args.images)?,
        args.qemu,
    )
    .map_err(|e| format!("{}: {e}", args.platform.display()))?;
    let mut clean = true;
    for config in &args.configs {
        let what = config.display().to_string();
        match source::blob(config) {
            Ok(blob) => {
                let outcome = check(&blob, &machine);
                print!("{}", report(&outcome, &what));
                clean &= outcome.clean();
                if let (Some(path), Some(elfs), Some(config)) =
                    (&args.gdb_symbols, &args.guest_elfs, &outcome.config)
                {
                    std::fs::write(path, gdb::symbols(config, elfs))
                        .map_err(|e| format!("{}: {e}", path.display()))?;
                }
            }
            Err(error) => {
                println!("error: {error}");
                println!("{what}: the config cannot be read");
                clean = false;
            }
        }
    }
    Ok(clean)
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(error) => {
            eprintln!("kairos-check: {error}");
            ExitCode::from(2)
        }
    }
}
