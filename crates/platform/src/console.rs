//! The console UART: `/chosen` `stdout-path` (alias or path), else the first enabled known UART.

use crate::error::{PlatformError, Problem};
use crate::irq::interrupts;
use crate::reg::reg;
use crate::tree::{string_list, NodeId, Tree};
use alloc::string::String;
use alloc::vec::Vec;

/// The UART programming model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UartKind {
    /// ARM PrimeCell PL011 (`arm,pl011`).
    Pl011,
    /// NXP i.MX UART (`fsl,imx21-uart`, `fsl,imx6q-uart`, `fsl,imx8mp-uart`, ...; not LPUART).
    Imx,
    /// 8250/16550-compatible (`ns16550a`, `ns16550`, `snps,dw-apb-uart`, ...), including the
    /// BCM2835/BCM2711 mini UART (`brcm,bcm2835-aux-uart`: 16550 registers at a 4-byte stride).
    Ns16550,
}

/// The UART the hypervisor prints to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Console {
    /// Programming model.
    pub kind: UartKind,
    /// CPU physical address of the first `reg` entry.
    pub base: u64,
    /// Size of the first `reg` entry.
    pub size: u64,
    /// GIC INTID of its interrupt, if it is wired straight to the GIC.
    pub irq: Option<u32>,
    /// Full path of the UART node.
    pub path: String,
    /// Baud rate from the `stdout-path` options (`"serial0:115200n8"` gives 115200).
    pub baud: Option<u32>,
    /// `reg-shift` (register stride is `1 << reg_shift` bytes; 0 if absent, 2 for the mini UART).
    pub reg_shift: u32,
    /// `reg-io-width` in bytes (1 if absent, 4 for the mini UART).
    pub reg_io_width: u32,
    /// Input clock from `clock-frequency`, if given.
    pub clock_frequency: Option<u32>,
}

const NS16550: &[&str] = &[
    "ns16550a",
    "ns16550",
    "ns16450",
    "ns8250",
    "snps,dw-apb-uart",
    MINI_UART,
];
/// The Raspberry Pi mini UART: 16550-like, 32-bit registers 4 bytes apart, no `reg-shift`.
const MINI_UART: &str = "brcm,bcm2835-aux-uart";

/// The UART kind matching the node's `compatible` list, first match wins.
fn kind_of(tree: &Tree, id: NodeId) -> Option<UartKind> {
    tree.compatibles(id).find_map(|c| {
        if c == "arm,pl011" {
            Some(UartKind::Pl011)
        } else if c.starts_with("fsl,imx") && c.ends_with("-uart") && !c.contains("lpuart") {
            Some(UartKind::Imx)
        } else if NS16550.contains(&c) {
            Some(UartKind::Ns16550)
        } else {
            None
        }
    })
}

/// Resolves a `stdout-path` target: an absolute path or an alias from `/aliases`.
fn resolve(tree: &Tree, target: &str) -> Option<NodeId> {
    if target.starts_with('/') {
        return tree.find_path(target);
    }
    let aliases = tree.find_path("/aliases")?;
    let path = string_list(tree.raw(aliases, target)?).next()?;
    path.starts_with('/')
        .then(|| tree.find_path(path))
        .flatten()
}

fn describe(
    tree: &Tree,
    id: NodeId,
    kind: UartKind,
    baud: Option<u32>,
) -> Result<Console, PlatformError> {
    let first = reg(tree, id)?[0];
    let (shift, width) = if tree.is_compatible(id, &[MINI_UART]) {
        (2, 4)
    } else {
        (0, 1)
    };
    Ok(Console {
        kind,
        base: first.base,
        size: first.size,
        irq: interrupts(tree, id)?.and_then(|v| v.first().copied()),
        path: tree.path(id),
        baud,
        reg_shift: tree.u32(id, "reg-shift")?.unwrap_or(shift),
        reg_io_width: tree.u32(id, "reg-io-width")?.unwrap_or(width),
        clock_frequency: tree.u32(id, "clock-frequency")?,
    })
}

/// The console named by `/chosen` `stdout-path` (or `linux,stdout-path`); without one, the
/// first enabled node with a known UART `compatible`; `None` if there is no such node.
pub(crate) fn console(tree: &Tree) -> Result<Option<Console>, PlatformError> {
    let chosen = tree.find_path("/chosen");
    let mut spec = None;
    if let Some(chosen) = chosen {
        for prop in ["stdout-path", "linux,stdout-path"] {
            if let Some(s) = tree.string(chosen, prop)?.filter(|s| !s.is_empty()) {
                spec = Some((chosen, prop, s));
                break;
            }
        }
    }
    let Some((chosen, prop, spec)) = spec else {
        let first = tree
            .ids()
            .find_map(|id| Some((id, kind_of(tree, id)?)).filter(|_| tree.enabled(id)));
        return first
            .map(|(id, kind)| describe(tree, id, kind, None))
            .transpose();
    };
    let (target, options) = match spec.split_once(':') {
        Some((t, o)) => (t, Some(o)),
        None => (spec, None),
    };
    let id = resolve(tree, target)
        .ok_or_else(|| tree.err(chosen, prop, Problem::Unresolved(String::from(target))))?;
    if !tree.enabled(id) {
        return Err(tree.err(
            id,
            "status",
            Problem::BadValue("stdout-path names a disabled device"),
        ));
    }
    let Some(kind) = kind_of(tree, id) else {
        let all: Vec<&str> = tree.compatibles(id).collect();
        let joined = if all.is_empty() {
            String::from("<none>")
        } else {
            all.join("\", \"")
        };
        return Err(tree.err(id, "compatible", Problem::UnknownCompatible(joined)));
    };
    let baud = options.and_then(|o| {
        let digits = o.bytes().take_while(u8::is_ascii_digit).count();
        o[..digits].parse().ok()
    });
    Ok(Some(describe(tree, id, kind, baud)?))
}
