//! Build script: links the EL2 image at the board's load address and embeds the default partition
//! config and the built-in guest images named by the Makefile.
use std::{env, fmt::Write as _, fs, path::PathBuf};

fn main() {
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let workspace = manifest.parent().unwrap().to_path_buf();
    for var in [
        "KAIROS_LOAD_ADDR",
        "KAIROS_CONFIG_DTB",
        "KAIROS_GUEST_IMAGES",
        "KAIROS_BOARD",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }

    if env::var("TARGET")
        .unwrap_or_default()
        .starts_with("aarch64-unknown-none")
    {
        let load = env::var("KAIROS_LOAD_ADDR").unwrap_or_else(|_| "0x40080000".into());
        let script = workspace.join("linker.ld");
        println!("cargo:rerun-if-changed={}", script.display());
        println!("cargo:rustc-link-arg-bins=-T{}", script.display());
        println!("cargo:rustc-link-arg-bins=--defsym=KAIROS_LOAD_ADDR={load}");
    }

    // The default partition config, compiled from the board's DTS by the Makefile.
    let config = out.join("config.dtb");
    match env::var("KAIROS_CONFIG_DTB") {
        Ok(path) if !path.is_empty() => {
            println!("cargo:rerun-if-changed={path}");
            fs::copy(&path, &config).unwrap_or_else(|e| panic!("KAIROS_CONFIG_DTB={path}: {e}"));
        }
        _ => fs::write(&config, []).unwrap(),
    }

    // Built-in guest images: KAIROS_GUEST_IMAGES="name=path,name=path", each aligned (`Aligned`
    // in images.rs) so that loading it into a VM is a word-by-word copy.
    // Each image is a static in its own input section, which the linker script gathers into
    // `.guest_images`: the footprint then tells the hypervisor's own read-only data from them.
    let mut images = String::new();
    let mut table = String::from("/// Guest images built into the hypervisor image.\n");
    table.push_str("pub static BUILTIN: &[(&str, &[u8])] = &[\n");
    let list = env::var("KAIROS_GUEST_IMAGES").unwrap_or_default();
    for (index, entry) in list.split(',').enumerate() {
        let Some((name, path)) = entry.split_once('=') else {
            continue;
        };
        println!("cargo:rerun-if-changed={path}");
        let absolute = fs::canonicalize(path).unwrap_or_else(|e| panic!("guest image {path}: {e}"));
        let bytes = format!("include_bytes!({:?})", absolute.display());
        writeln!(
            images,
            "#[link_section = \".rodata.kairos_guest_images\"]\n\
             static IMAGE_{index}: Aligned<[u8; {bytes}.len()]> = Aligned(*{bytes});"
        )
        .unwrap();
        writeln!(table, "    ({name:?}, &IMAGE_{index}.0),").unwrap();
    }
    table.push_str("];\n");
    table.push_str(&images);
    fs::write(out.join("builtin_images.rs"), table).unwrap();

    let board = env::var("KAIROS_BOARD").unwrap_or_else(|_| "qemu-virt".into());
    println!("cargo:rustc-env=KAIROS_BOARD={board}");
}
