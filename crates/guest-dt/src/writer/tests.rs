//! Unit tests of the DTB writer: header layout, alignment, string sharing and error cases.

use super::*;

fn be32(blob: &[u8], offset: usize) -> u32 {
    u32::from_be_bytes(blob[offset..offset + 4].try_into().unwrap())
}

fn small_tree() -> Vec<u8> {
    let mut writer = FdtWriter::new();
    writer.add_reservation(0x4000_0000, 0x1000).unwrap();
    writer.set_boot_cpuid_phys(2);
    writer.begin_node("").unwrap();
    writer.property_u32("#address-cells", 2).unwrap();
    writer.property_string("model", "odd").unwrap();
    writer.begin_node("child@1").unwrap();
    writer.property_u32("#address-cells", 1).unwrap();
    writer.property_u64("big", 0x1122_3344_5566_7788).unwrap();
    writer.property_empty("flag").unwrap();
    writer.end_node().unwrap();
    writer.end_node().unwrap();
    writer.finish().unwrap()
}

#[test]
fn header_fields_and_layout() {
    let blob = small_tree();
    assert_eq!(be32(&blob, 0), 0xd00d_feed);
    assert_eq!(be32(&blob, 4) as usize, blob.len(), "totalsize");
    let struct_offset = be32(&blob, 8) as usize;
    let strings_offset = be32(&blob, 12) as usize;
    assert_eq!(be32(&blob, 16), 40, "off_mem_rsvmap");
    assert_eq!((be32(&blob, 20), be32(&blob, 24)), (17, 16), "versions");
    assert_eq!(be32(&blob, 28), 2, "boot_cpuid_phys");
    let strings_size = be32(&blob, 32) as usize;
    let struct_size = be32(&blob, 36) as usize;
    assert_eq!(
        struct_offset,
        40 + 2 * 16,
        "one reservation and the terminator"
    );
    assert_eq!(struct_offset + struct_size, strings_offset);
    assert_eq!(strings_offset + strings_size, blob.len());
    assert_eq!(struct_offset % 4, 0);
    assert_eq!(
        be32(&blob, strings_offset - 4),
        9,
        "FDT_END closes the structure block"
    );
    assert_eq!(
        &blob[40..56],
        &[0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0]
    );
    assert_eq!(&blob[56..72], &[0; 16]);
}

#[test]
fn strings_are_shared() {
    let blob = small_tree();
    let strings_offset = be32(&blob, 12) as usize;
    let strings = &blob[strings_offset..];
    assert_eq!(strings, b"#address-cells\0model\0big\0flag\0");
}

#[test]
fn parses_back() {
    let blob = small_tree();
    let fdt = fdt::Fdt::new(&blob).unwrap();
    assert_eq!(fdt.root().model(), "odd");
    let child = fdt.find_node("/child@1").unwrap();
    let big = child.property("big").unwrap();
    assert_eq!(big.value, 0x1122_3344_5566_7788u64.to_be_bytes());
    assert!(child.property("flag").unwrap().value.is_empty());
    let reservation = fdt.memory_reservations().next().unwrap();
    assert_eq!(
        (reservation.address() as usize, reservation.size()),
        (0x4000_0000, 0x1000)
    );
}

#[test]
fn values_are_padded_to_four_bytes() {
    let mut writer = FdtWriter::new();
    writer.begin_node("").unwrap();
    writer.property("odd", &[1, 2, 3]).unwrap();
    writer
        .property_string_list("compatible", &["a", "bc"])
        .unwrap();
    writer.end_node().unwrap();
    let blob = writer.finish().unwrap();
    let struct_offset = be32(&blob, 8) as usize;
    // BEGIN_NODE, "" padded to 4, PROP, len 3, nameoff 0, 3 bytes + 1 pad.
    assert_eq!(&blob[struct_offset + 20..struct_offset + 24], &[1, 2, 3, 0]);
    assert_eq!(be32(&blob, struct_offset + 24), 3, "next token aligned");
    assert_eq!(be32(&blob, struct_offset + 28), 5, "a\\0bc\\0");
}

#[test]
fn structural_errors() {
    let mut writer = FdtWriter::new();
    assert_eq!(writer.property_u32("x", 1), Err(DtError::NoOpenNode));
    assert_eq!(writer.end_node(), Err(DtError::NoOpenNode));
    assert!(matches!(
        writer.begin_node("named-root"),
        Err(DtError::InvalidNodeName(_))
    ));
    writer.begin_node("").unwrap();
    writer.property_u32("x", 1).unwrap();
    assert_eq!(
        writer.property_u32("x", 2),
        Err(DtError::DuplicateProperty("x".into()))
    );
    writer.begin_node("a").unwrap();
    writer.end_node().unwrap();
    assert_eq!(
        writer.begin_node("a"),
        Err(DtError::DuplicateNode("a".into()))
    );
    assert_eq!(
        writer.property_u32("y", 1),
        Err(DtError::PropertyAfterChild("y".into()))
    );
    assert!(matches!(
        writer.begin_node("a/b"),
        Err(DtError::InvalidNodeName(_))
    ));
    assert!(matches!(
        writer.property_empty("bad name"),
        Err(DtError::InvalidPropertyName(_))
    ));
    writer.begin_node("open").unwrap();
    assert!(matches!(
        writer.property_string("s", "a\0b"),
        Err(DtError::StringContainsNul(_))
    ));
    assert_eq!(writer.finish(), Err(DtError::UnclosedNodes(2)));
}

#[test]
fn root_errors() {
    assert_eq!(FdtWriter::new().finish(), Err(DtError::MissingRoot));
    let mut writer = FdtWriter::new();
    writer.begin_node("").unwrap();
    writer.end_node().unwrap();
    assert_eq!(writer.begin_node(""), Err(DtError::SecondRoot));
    assert_eq!(writer.add_reservation(0x1000, 0), Err(DtError::EmptyRegion));
    assert_eq!(
        writer.add_reservation(u64::MAX, 2),
        Err(DtError::RegionOverflow)
    );
}

#[test]
fn phandles() {
    let mut writer = FdtWriter::new();
    writer.reserve_phandle(2).unwrap();
    assert_eq!(writer.reserve_phandle(2), Err(DtError::DuplicatePhandle(2)));
    assert_eq!(writer.reserve_phandle(0), Err(DtError::InvalidPhandle));
    assert_eq!(writer.alloc_phandle(), Ok(1));
    assert_eq!(writer.alloc_phandle(), Ok(3), "2 is reserved");
    writer.begin_node("").unwrap();
    writer.begin_node("a").unwrap();
    writer.property_u32("phandle", 3).unwrap();
    writer.end_node().unwrap();
    writer.begin_node("b").unwrap();
    assert_eq!(
        writer.property_u32("phandle", 3),
        Err(DtError::DuplicatePhandle(3))
    );
    assert_eq!(
        writer.property("phandle", &[0, 1]),
        Err(DtError::InvalidPhandle)
    );
    writer.property_u32("phandle", 7).unwrap();
    writer.end_node().unwrap();
    assert_eq!(writer.alloc_phandle(), Ok(4));
    writer.end_node().unwrap();
    let blob = writer.finish().unwrap();
    let fdt = fdt::Fdt::new(&blob).unwrap();
    assert_eq!(fdt.find_phandle(7).unwrap().name, "b");
}

#[test]
fn phandles_run_out() {
    let mut writer = FdtWriter::new();
    writer.next_phandle = u32::MAX - 1;
    assert_eq!(writer.alloc_phandle(), Ok(u32::MAX - 1));
    assert_eq!(writer.alloc_phandle(), Err(DtError::PhandlesExhausted));
}
