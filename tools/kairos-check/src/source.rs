//! Reading a partition config from disk: a `.dtb` as it is, anything else compiled by `dtc`
//! (which follows its `/include/`s), exactly the blob the build would embed or hand over.

use std::path::Path;
use std::process::Command;

/// The flattened device tree of `path`: read as is when it ends in `.dtb` (or `.dtbo`),
/// otherwise compiled from source with `dtc`. `Err` carries dtc's own messages (file, line).
pub fn blob(path: &Path) -> Result<Vec<u8>, String> {
    let compiled = path
        .extension()
        .is_some_and(|extension| extension == "dtb" || extension == "dtbo");
    if compiled {
        return std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()));
    }
    if !path.exists() {
        return Err(format!("{}: no such file", path.display()));
    }
    let output = Command::new("dtc")
        .args(["-q", "-I", "dts", "-O", "dtb", "-o", "-"])
        .arg(path)
        .output()
        .map_err(|e| {
            format!("dtc (device-tree-compiler) could not run: {e}; `make deps` installs it")
        })?;
    if !output.status.success() {
        return Err(format!(
            "{}: dtc cannot compile it:\n{}",
            path.display(),
            String::from_utf8_lossy(&output.stderr).trim_end()
        ));
    }
    Ok(output.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiles_a_source_with_includes_and_reports_dtc_errors() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let dtb = blob(&root.join("boards/qemu-virt/partitions.dts")).unwrap();
        assert_eq!(&dtb[..4], &[0xd0, 0x0d, 0xfe, 0xed], "FDT magic");
        let bad = std::env::temp_dir().join(format!("kairos-check-{}.dts", std::process::id()));
        std::fs::write(&bad, "/dts-v1/;\n/ {\n\thypervisor {\n};\n").unwrap();
        let error = blob(&bad).unwrap_err();
        let _ = std::fs::remove_file(&bad);
        assert!(
            error.contains("dtc cannot compile it") && error.contains(".dts:"),
            "{error}"
        );
        assert!(blob(Path::new("/nonexistent.dts"))
            .unwrap_err()
            .contains("no such file"));
    }
}
