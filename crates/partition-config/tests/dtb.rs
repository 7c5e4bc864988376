//! Blobs that are corrupt, truncated, odd (NOPs, deep nesting) or hold no configuration.

mod common;

use common::*;
use partition_config::{find_hypervisor_node, load, DtbDefect, ErrorKind};

fn corrupt(dtb: &[u8]) -> DtbDefect {
    let error = load(dtb, &virt()).unwrap_err();
    assert_eq!((error.node.as_str(), error.property.as_str()), ("/", ""));
    match error.kind {
        ErrorKind::CorruptDtb(defect) => defect,
        other => panic!("not a corrupt-DTB error: {other:?}"),
    }
}

fn demo() -> Vec<u8> {
    dtb(&tree(
        &[
            vm("a", &good(1)),
            vm("b", &format!("{} kairos,interrupts = <40>;", good(2))),
        ]
        .concat(),
    ))
}

#[test]
fn not_a_blob_at_all() {
    assert_eq!(corrupt(&[]), DtbDefect::TooShort { len: 0 });
    assert_eq!(corrupt(&[0u8; 64]), DtbDefect::BadMagic { magic: 0 });
    assert!(find_hypervisor_node(b"hello, world, this is not a device tree blob").is_err());
}

#[test]
fn truncated_blob() {
    let blob = demo();
    let defect = corrupt(&blob[..blob.len() / 2]);
    assert!(matches!(defect, DtbDefect::Truncated { .. }), "{defect:?}");
    assert_eq!(
        load(&blob[..100], &virt()).unwrap_err().to_string(),
        format!(
            "/: the device tree blob is corrupt: header says {} bytes, 100 available",
            blob.len()
        )
    );
}

#[test]
fn corrupt_structure() {
    let mut blob = demo();
    let structs = u32::from_be_bytes(blob[8..12].try_into().unwrap()) as usize;
    blob[structs..structs + 4].copy_from_slice(&9u32.to_be_bytes());
    assert_eq!(
        corrupt(&blob),
        DtbDefect::UnexpectedToken {
            offset: structs,
            token: 9
        }
    );
    let mut blob = demo();
    blob[8..12].copy_from_slice(&0xffff_fff0u32.to_be_bytes());
    assert_eq!(
        corrupt(&blob),
        DtbDefect::BlockOutOfBounds { block: "structure" }
    );
    let mut blob = demo();
    blob[20..24].copy_from_slice(&16u32.to_be_bytes());
    assert!(matches!(
        corrupt(&blob),
        DtbDefect::UnsupportedVersion { version: 16, .. }
    ));
}

#[test]
fn no_hypervisor_node() {
    let blob =
        dtb("/dts-v1/; / { #address-cells = <2>; hypervisor { compatible = \"xen,xen\"; }; };");
    let error = load(&blob, &virt()).unwrap_err();
    assert_eq!(
        (error.node.as_str(), &error.kind),
        ("/", &ErrorKind::NoHypervisorNode)
    );
    assert_eq!(find_hypervisor_node(&blob), Ok(None));
}

#[test]
fn no_vm_nodes() {
    let error = load_err("kairos,log-level = \"info\";");
    assert_eq!(
        (error.node.as_str(), &error.kind),
        ("/hypervisor", &ErrorKind::NoVmNodes)
    );
    let error = load_err(&vm("off", &format!("status = \"disabled\"; {}", good(1))));
    assert_eq!(error.kind, ErrorKind::NoVmNodes);
}

#[test]
fn nesting_deeper_than_the_limit() {
    let depth = partition_config::MAX_DEPTH;
    let source = format!(
        "/dts-v1/; / {{ {} {} }};",
        "n { ".repeat(depth),
        "}; ".repeat(depth)
    );
    assert!(matches!(corrupt(&dtb(&source)), DtbDefect::TooDeep { .. }));
}

/// Replaces the property whose value is the string `value` with FDT_NOP tokens, the way libfdt's
/// `fdt_nop_property` does.
fn nop_out(blob: &mut [u8], value: &str) {
    let needle = [value.as_bytes(), b"\0"].concat();
    let at = blob
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("value in blob");
    let start = at - 12;
    assert_eq!(blob[start..start + 4], 3u32.to_be_bytes(), "FDT_PROP token");
    let end = at + needle.len().div_ceil(4) * 4;
    for word in blob[start..end].chunks_exact_mut(4) {
        word.copy_from_slice(&4u32.to_be_bytes());
    }
}

#[test]
fn nop_tokens_are_skipped() {
    // The NOPs end up between two properties of `a`: fdt 0.1.5 alone would panic there.
    let marker = "kairos,gone = \"nop-me-please\";";
    let mut blob = dtb(&tree(
        &[vm("a", &format!("{marker} {}", good(1))), vm("b", &good(2))].concat(),
    ));
    assert!(
        !load(&blob, &virt()).unwrap().errors.is_empty(),
        "unknown property before the NOP"
    );
    nop_out(&mut blob, "nop-me-please");
    let compacted = partition_config::check_dtb(&blob).unwrap();
    assert!(
        matches!(compacted, std::borrow::Cow::Owned(_)),
        "NOPs removed in a copy"
    );
    assert!(matches!(
        partition_config::check_dtb(&demo()),
        Ok(std::borrow::Cow::Borrowed(_))
    ));
    let config = load(&blob, &virt()).unwrap();
    assert!(config.errors.is_empty(), "{:#?}", config.errors);
    assert_eq!(names(&config), ["a", "b"]);
}

#[test]
fn damaged_blobs_never_panic() {
    let blob = demo();
    for len in 0..blob.len() {
        let _ = load(&blob[..len], &virt());
    }
    for offset in 0..blob.len() {
        for mask in [0x01u8, 0x04, 0x10, 0x80, 0xff] {
            let mut damaged = blob.clone();
            damaged[offset] ^= mask;
            let _ = load(&damaged, &virt());
            let _ = find_hypervisor_node(&damaged);
        }
    }
}

#[test]
fn padded_blob_with_trailing_bytes_is_fine() {
    let mut blob = demo();
    blob.extend_from_slice(&[0xaa; 64]);
    assert_eq!(names(&load(&blob, &virt()).unwrap()), ["a", "b"]);
}
