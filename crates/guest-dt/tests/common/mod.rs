//! Runs the device-tree compiler `dtc` for the round-trip tests, failing on any diagnostic.

use std::io::Write;
use std::process::{Command, Stdio};

/// Runs `dtc -I <from> -O <to> <extra> -` on `input` and returns its output; panics on any
/// warning or error.
pub fn dtc(from: &str, to: &str, extra: &[&str], input: &[u8]) -> Vec<u8> {
    let mut child = Command::new("dtc")
        .args(["-I", from, "-O", to])
        .args(extra)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dtc is needed (device-tree-compiler; `make deps` installs it)");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stderr.is_empty(),
        "dtc -I {from} -O {to} said:\n{stderr}"
    );
    output.stdout
}

/// Decompiles a DTB to DTS source, checking dtc finds nothing to warn about.
pub fn decompile(dtb: &[u8]) -> String {
    String::from_utf8(dtc("dtb", "dts", &[], dtb)).unwrap()
}

/// Compiles DTS source to a DTB.
pub fn compile(dts: &str) -> Vec<u8> {
    dtc("dts", "dtb", &[], dts.as_bytes())
}

/// Compiles decompiled DTS source again. Its `clocks` hold phandle numbers, not `&label`
/// references, which dtc's `clocks_property` check flags in any decompiled tree (QEMU's too).
pub fn recompile(dts: &str) -> Vec<u8> {
    dtc("dts", "dtb", &["-W", "no-clocks_property"], dts.as_bytes())
}
