# gdb commands for `make debug` (appended to build/<board>/kairos.gdb after `file` and `target
# remote`). The hypervisor runs at EL2 with its own addresses; each guest at EL1 with the
# addresses of its VM (its RAM at kairos,ipa-base). On QEMU virt and the i.MX 8M Plus both start
# at 0x4008_0000, so a plain breakpoint there can stop in either: these commands break only
# at one exception level (PSTATE.EL is bits 3:2 of cpsr).
set pagination off
set confirm off

define hyp-break
  break $arg0 if ($cpsr & 0xc) == 0x8
end
document hyp-break
Break at LOCATION only while the hypervisor (EL2) runs it: hyp-break LOCATION.
end

define guest-break
  break $arg0 if ($cpsr & 0xc) == 0x4
end
document guest-break
Break at LOCATION only while a guest (EL1) runs it: guest-break LOCATION.
end

define el
  printf "EL%d\n", ($cpsr >> 2) & 3
end
document el
Print the exception level the selected core is at (2: hypervisor, 1: guest kernel).
end
