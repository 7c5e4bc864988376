//! The guests' symbols for `make debug`: one gdb `add-symbol-file` per built-in image the
//! config's VMs run, offset to where their VMs see it.

use partition_config::{Config, ImageSource};
use std::fmt::Write as _;
use std::path::Path;

/// Where the built-in guest images are linked (`GUEST_LOAD_ADDRESS` in `guest-paravirt/guest.ld`):
/// the default IPA base plus the default load offset, so a VM with the defaults runs its image
/// at its link address.
pub const GUEST_LINK_ADDRESS: u64 = 0x4008_0000;

/// gdb commands loading the ELF of each built-in image in `elf_dir` at the guest addresses its
/// VMs run it (`kairos,ipa-base` + `kairos,load-offset`), one line per image and address, each
/// under a comment naming its VMs. Images loaded by the boot loader have no ELF here.
pub fn symbols(config: &Config, elf_dir: &Path) -> String {
    let mut loads: Vec<(String, u64, Vec<&str>)> = Vec::new();
    for vm in &config.vms {
        let ImageSource::Builtin(image) = &vm.image else {
            continue;
        };
        let at = vm.ipa_base.wrapping_add(vm.load_offset);
        match loads.iter_mut().find(|(i, a, _)| i == image && *a == at) {
            Some((_, _, vms)) => vms.push(&vm.name),
            None => loads.push((image.clone(), at, vec![vm.name.as_str()])),
        }
    }
    let mut text = String::new();
    for (image, at, vms) in loads {
        let elf = elf_dir.join(&image);
        let _ = writeln!(
            text,
            "# {} (image \"{image}\" at guest address {at:#x})",
            vms.join(", ")
        );
        if elf.exists() {
            let offset = at.wrapping_sub(GUEST_LINK_ADDRESS) as i64;
            let _ = writeln!(text, "add-symbol-file {} -o {offset:#x}", elf.display());
        } else {
            let _ = writeln!(text, "# no ELF at {}", elf.display());
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_address_is_the_guests() {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guest-paravirt/guest.ld");
        let text = std::fs::read_to_string(script).unwrap();
        assert!(text.contains(&format!("GUEST_LOAD_ADDRESS = {GUEST_LINK_ADDRESS:#x};")));
    }
}
