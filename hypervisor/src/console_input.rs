//! Where typed console input goes: the hypervisor's shell or one VM's console UART, switched by
//! Ctrl-a three times in a row (as on Xen): shell, first VM, ..., last VM, shell again. One or
//! two Ctrl-a followed by another key reach the focused side unchanged. Pure, host-tested.

/// The key that switches, three times in a row: Ctrl-a.
pub const SWITCH_KEY: u8 = 0x01;
/// How many presses in a row switch.
pub const SWITCH_PRESSES: u8 = 3;

/// Who reads console input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    /// The hypervisor's shell.
    Shell,
    /// The console UART of the VM with this index.
    Vm(usize),
}

/// What a typed byte does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// A byte for the shell.
    Shell(u8),
    /// A byte for VM `.0`'s console.
    Vm(usize, u8),
    /// Input now goes to this side.
    Switched { from: Focus, to: Focus },
}

/// The routing state: focus and Ctrl-a presses not yet passed on.
pub struct Router {
    focus: Focus,
    presses: u8,
}

impl Router {
    /// Input goes to the shell.
    pub const fn new() -> Self {
        Router {
            focus: Focus::Shell,
            presses: 0,
        }
    }

    /// Who reads input now.
    pub fn focus(&self) -> Focus {
        self.focus
    }

    /// Routes `byte`; `takes_input(vm)` tells which of `vm_count` VMs have a console to type
    /// into. Each resulting action goes to `act`, in order.
    pub fn feed(
        &mut self,
        byte: u8,
        vm_count: usize,
        takes_input: impl Fn(usize) -> bool,
        mut act: impl FnMut(Action),
    ) {
        if byte == SWITCH_KEY {
            self.presses += 1;
            if self.presses == SWITCH_PRESSES {
                self.presses = 0;
                let from = self.focus;
                self.focus = next(from, vm_count, takes_input);
                act(Action::Switched {
                    from,
                    to: self.focus,
                });
            }
            return;
        }
        for _ in 0..core::mem::take(&mut self.presses) {
            act(self.deliver(SWITCH_KEY));
        }
        act(self.deliver(byte));
    }

    fn deliver(&self, byte: u8) -> Action {
        match self.focus {
            Focus::Shell => Action::Shell(byte),
            Focus::Vm(vm) => Action::Vm(vm, byte),
        }
    }
}

/// The side after `focus`: the next VM that takes input, else the shell.
fn next(focus: Focus, vm_count: usize, takes_input: impl Fn(usize) -> bool) -> Focus {
    let first = match focus {
        Focus::Shell => 0,
        Focus::Vm(vm) => vm + 1,
    };
    (first..vm_count)
        .find(|&vm| takes_input(vm))
        .map_or(Focus::Shell, Focus::Vm)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn typed(router: &mut Router, bytes: &[u8], vms: usize, skip: usize) -> Vec<Action> {
        let mut actions = Vec::new();
        for &byte in bytes {
            router.feed(byte, vms, |vm| vm != skip, |action| actions.push(action));
        }
        actions
    }

    #[test]
    fn three_ctrl_a_cycle_through_the_vms_that_take_input() {
        let mut router = Router::new();
        assert_eq!(typed(&mut router, b"s", 3, 1), [Action::Shell(b's')]);
        let switch = [SWITCH_KEY; 3];
        let to_vm0 = Action::Switched {
            from: Focus::Shell,
            to: Focus::Vm(0),
        };
        assert_eq!(typed(&mut router, &switch, 3, 1), [to_vm0]);
        assert_eq!(typed(&mut router, b"l", 3, 1), [Action::Vm(0, b'l')]);
        let to_vm2 = Action::Switched {
            from: Focus::Vm(0),
            to: Focus::Vm(2),
        };
        assert_eq!(
            typed(&mut router, &switch, 3, 1),
            [to_vm2],
            "VM 1 has no console"
        );
        let back = Action::Switched {
            from: Focus::Vm(2),
            to: Focus::Shell,
        };
        assert_eq!(typed(&mut router, &switch, 3, 1), [back]);
        assert_eq!(router.focus(), Focus::Shell);
    }

    #[test]
    fn fewer_presses_reach_the_focused_side() {
        let mut router = Router::new();
        typed(&mut router, &[SWITCH_KEY; 3], 1, usize::MAX);
        let actions = typed(&mut router, &[SWITCH_KEY, SWITCH_KEY, b'x'], 1, usize::MAX);
        assert_eq!(
            actions,
            [
                Action::Vm(0, SWITCH_KEY),
                Action::Vm(0, SWITCH_KEY),
                Action::Vm(0, b'x')
            ]
        );
    }

    #[test]
    fn without_vms_the_shell_keeps_the_focus() {
        let mut router = Router::new();
        let actions = typed(&mut router, &[SWITCH_KEY; 3], 0, usize::MAX);
        assert_eq!(
            actions,
            [Action::Switched {
                from: Focus::Shell,
                to: Focus::Shell
            }]
        );
    }
}
