# Kairos: build, run, check, debug and test. `make run` boots the default demo on QEMU virt;
# `make test` runs every test; `make help` lists every target and variable. Each installs what
# is missing first (scripts/deps.sh).

BOARD   ?= qemu-virt
CONFIG  ?= boards/$(BOARD)/partitions.dts

# OUT and TARGET_ROOT let several builds (or engineers) work side by side without sharing files.
OUT         ?= build
TARGET_ROOT ?= target
TARGET      := aarch64-unknown-none
# The hypervisor never uses FP/SIMD registers (they belong to the guest running on the core).
HV_TARGET   := aarch64-unknown-none-softfloat
BUILD       := $(OUT)/$(BOARD)
GUEST_DIR   := $(OUT)/guests
CARGO_DIR   := $(TARGET_ROOT)/$(BOARD)
IMAGE       := $(BUILD)/Image
CONFIG_DTB  := $(BUILD)/partitions.dtb

# What the device tree cannot tell (boards/README.md): LOAD_ADDR, QEMU_MACHINE, QEMU_CONSOLE,
# optionally QEMU_DTB (a DTB `make run` passes with -dtb), CONSOLE_SERIAL (which of QEMU's
# serial ports is the console, for `make debug`) and BOARD_FILES (more files `make image`
# writes next to the Image, with their rules). Included after BUILD so board rules can use it.
QEMU_DTB    :=
BOARD_FILES :=
CONSOLE_SERIAL := 0
ifeq ($(wildcard boards/$(BOARD)/board.mk),)
$(error no board '$(BOARD)': boards/$(BOARD)/board.mk is missing; boards are $(notdir $(patsubst %/board.mk,%,$(wildcard boards/*/board.mk))))
endif
include boards/$(BOARD)/board.mk
# Every board; `make test` builds each one's image.
BOARDS      := $(patsubst boards/%/board.mk,%,$(wildcard boards/*/board.mk))
RUN_TIMEOUT ?= 120
# Deterministic time (1 ns per instruction, idle skipped): the heartbeat watchdog reads the
# system counter, and without it QEMU's host scheduling looks like dead cores.
QEMU_TIME   ?= -icount shift=0,sleep=off
LOG         ?= info
OBJCOPY     := aarch64-linux-gnu-objcopy
GUESTS      := hello attacker bench rtos irqtest rtos-bench
# The C guest's rules (C_GUESTS, C_GUEST_IMAGE).
include guest-c/guest.mk
# The guest images built into the Image: with IMAGE_SET=shipped (the default) only those CONFIG
# names (scripts/config-images.sh), what a user runs; with IMAGE_SET=test every guest, for the
# tests, make bench, make campaign and make eval, whose configs name any of them.
IMAGE_SET   ?= shipped
ifeq ($(filter shipped test,$(IMAGE_SET)),)
$(error IMAGE_SET=$(IMAGE_SET): it is shipped or test)
endif
BUILTIN_IMAGES = $(if $(filter test,$(IMAGE_SET)),$(GUESTS) $(C_GUESTS),$(filter $(shell bash scripts/config-images.sh $(CONFIG)),$(GUESTS) $(C_GUESTS)))

.PHONY: bench all deps image kernel guests config run check check-tool debug test images real-dtbs clean help

all: image

help:
	@echo "Kairos: build, run, check, debug and test (README.md; boards: $(BOARDS))."
	@echo ""
	@echo "Targets:"
	@echo "  make run      build, check the config, boot it on the board's QEMU machine; ends with"
	@echo "                the demo (or after RUN_TIMEOUT s). Stops on a config with errors unless FORCE=1"
	@echo "  make check    check CONFIG against the board's platform DTB as the hypervisor would at"
	@echo "                boot; prints every problem (node, property) and exits 1 when there is one"
	@echo "  make debug    boot under QEMU halted at the first instruction (-S, gdb stub on DEBUG_PORT)"
	@echo "                and attach gdb-multiarch with the hypervisor's and the guests' symbols"
	@echo "  make image    the raw arm64 Image with CONFIG built in, and the board's boot files"
	@echo "  make all      the same as make image (the default target)"
	@echo "  make images   the image of every board, each with its own default config"
	@echo "  make test     host unit tests and QEMU integration tests on every board"
	@echo "  make bench    deterministic cost table (instruction counts) and footprint"
	@echo "  make campaign the fault campaign on QEMU virt: seeded random layouts, faults and checks"
	@echo "                (docs/fault-campaign.md), figures in eval/campaign.md; SEED, LAYOUTS,"
	@echo "                LAYOUT=<seed> reruns one layout in full"
	@echo "  make eval     fault-injection sweep: eval/report.md and its plots (scripts/eval.sh)"
	@echo "  make deps     install what is missing (scripts/deps.sh; every target does it first)"
	@echo "  make guests | config | kernel | check-tool | real-dtbs   single build steps"
	@echo "  make clean    remove build/ and target/"
	@echo "  make help     this text"
	@echo ""
	@echo "Variables (name=value on the command line):"
	@echo "  BOARD=$(BOARD)            board folder under boards/: $(BOARDS)"
	@echo "  CONFIG=$(CONFIG)   partition config (.dts or .dtb); make check takes several"
	@echo "  LOG=$(LOG)                  hypervisor log level, chosen at build time (off error warn info debug trace)"
	@echo "  IMAGE_SET=$(IMAGE_SET)        guests built into the Image: shipped (those CONFIG names) or test (all;"
	@echo "                            make test, bench, campaign and eval use it)"
	@echo "  FORCE=1                   make run: boot the valid VMs of a config with errors anyway"
	@echo "  PLATFORM_DTB=$(PLATFORM_DTB)   the DTB make check checks against"
	@echo "  RUN_TIMEOUT=$(RUN_TIMEOUT)           seconds before make run stops QEMU"
	@echo "  QEMU_TIME='$(QEMU_TIME)'   QEMU's clock (deterministic by default)"
	@echo "  DEBUG_PORT=$(DEBUG_PORT)          make debug: QEMU's gdb stub port"
	@echo "  GDB_FLAGS=               make debug: more gdb-multiarch arguments (e.g. -batch -x cmds.gdb)"
	@echo "  OUT=$(OUT) TARGET_ROOT=$(TARGET_ROOT)   where build files and cargo output go (side-by-side builds)"
	@echo "  SEEDS, FAULTS, JOBS       make eval: the sweep's size (scripts/eval.sh)"
	@echo "  Board variables (boards/<board>/board.mk, boards/README.md): LOAD_ADDR, QEMU_MACHINE,"
	@echo "  QEMU_CONSOLE, CONSOLE_SERIAL, QEMU_DTB, BOARD_FILES"

deps:
	@bash scripts/deps.sh

guests: deps
	@echo "make: building the guest images (cargo, $(TARGET_ROOT)/guests)"
	@cargo build -p guest-paravirt --release --target $(TARGET) --target-dir $(TARGET_ROOT)/guests
	@mkdir -p $(GUEST_DIR)
	@for g in $(GUESTS); do \
		$(OBJCOPY) -O binary $(TARGET_ROOT)/guests/$(TARGET)/release/$$g $(GUEST_DIR)/$$g.bin; \
	done

config: deps
	@mkdir -p $(BUILD)
	@dtc -q -I dts -O dtb -o $(CONFIG_DTB) $(CONFIG)

image: kernel $(BOARD_FILES)
	@echo "make image: wrote $(IMAGE) ($$(stat -c %s $(IMAGE)) bytes) for $(BOARD), config $(CONFIG)"
	@$(if $(BOARD_FILES),echo "make image: boot files $(BOARD_FILES)",true)

# The Image itself (always rebuilt through cargo, which knows when nothing changed).
kernel: guests $(C_GUEST_IMAGE) config
	@echo "make: building the hypervisor for $(BOARD) with $(CONFIG) built in (cargo, $(CARGO_DIR))"
	@KAIROS_LOAD_ADDR=$(LOAD_ADDR) KAIROS_BOARD=$(BOARD) KAIROS_LOG=$(LOG) \
	 KAIROS_CONFIG_DTB=$(abspath $(CONFIG_DTB)) \
	 KAIROS_GUEST_IMAGES=$(GUEST_IMAGES) \
	 cargo build -p hypervisor --release --target $(HV_TARGET) --target-dir $(CARGO_DIR)
	@$(OBJCOPY) -O binary $(CARGO_DIR)/$(HV_TARGET)/release/kairos $(IMAGE)
	@cp $(CARGO_DIR)/$(HV_TARGET)/release/kairos $(BUILD)/kairos.elf

$(IMAGE): kernel
$(CONFIG_DTB): config

empty :=
space := $(empty) $(empty)
comma := ,
# The built-in images as the build and the checker name them: "name=path,name=path".
GUEST_IMAGES = $(subst $(space),$(comma),$(foreach g,$(BUILTIN_IMAGES),$(g)=$(abspath $(GUEST_DIR)/$(g).bin)))

# The host checker (its own cargo directory, so that it never waits for another cargo's lock)
# and the DTB it checks against: QEMU's own for machines that make one, else QEMU_DTB.
CHECK_TOOL   := $(TARGET_ROOT)/host/debug/kairos-check
PLATFORM_DTB ?= $(or $(QEMU_DTB),$(BUILD)/machine.dtb)
CHECK        = $(CHECK_TOOL) --platform $(PLATFORM_DTB) --images $(GUEST_IMAGES) \
	       --hypervisor $(IMAGE) --load-addr $(LOAD_ADDR) --qemu

check-tool: deps
	@echo "make: building kairos-check (cargo, $(TARGET_ROOT)/host)"
	@cargo build -p kairos-check --target-dir $(TARGET_ROOT)/host

$(BUILD)/machine.dtb: boards/$(BOARD)/board.mk
	@mkdir -p $(dir $@)
	@qemu-system-aarch64 $(QEMU_MACHINE) -machine dumpdtb=$@ -display none -nic none >/dev/null

# The hypervisor's footprint comes from its Image header: build one if there is none yet.
check: guests check-tool $(PLATFORM_DTB)
	@test -f $(IMAGE) || $(MAKE) --no-print-directory kernel
	@$(CHECK) $(CONFIG)

# Files the config names (kairos,image-file, kairos,ramdisk-file) are placed at their regions by
# QEMU's loader device (scripts/run-files.sh). QEMU's console escape is Ctrl-T (-echr 20), so
# that Ctrl-A reaches Kairos, where three in a row switch console input between the VMs.
run: image $(QEMU_DTB) check-tool $(PLATFORM_DTB)
	@if $(CHECK) $(CONFIG) > $(BUILD)/check.log; then tail -n 1 $(BUILD)/check.log; \
	 else cat $(BUILD)/check.log; \
	   if [ "$(FORCE)" != 1 ]; then \
	     echo "make run: $(CONFIG) has errors (above): fix them, or boot the VMs that are valid with FORCE=1"; \
	     exit 1; fi; \
	   echo "make run: FORCE=1: booting the VMs that are valid"; fi
	@files=$$(OUT=$(OUT) bash scripts/run-files.sh $(CONFIG_DTB)) || exit 1; \
	 echo "make run: booting $(IMAGE) on $(BOARD) (Ctrl-T x quits QEMU; Ctrl-A three times switches the console's input; stops by itself after $(RUN_TIMEOUT) s)"; \
	 timeout --foreground $(RUN_TIMEOUT) qemu-system-aarch64 $(QEMU_MACHINE) $(QEMU_TIME) $(QEMU_CONSOLE) \
	 -echr 20 $(if $(QEMU_DTB),-dtb $(QEMU_DTB)) -kernel $(IMAGE) $$files; \
	 status=$$?; \
	 if [ $$status = 124 ]; then echo "make run: QEMU stopped: the demo did not finish within $(RUN_TIMEOUT) s"; fi; \
	 exit $$status

# QEMU halted before the first instruction with its gdb stub on DEBUG_PORT, the console in
# $(BUILD)/console.log, and gdb-multiarch attached: the hypervisor's symbols (kairos.elf), each
# guest image's at the address its VMs run it (kairos-check --gdb-symbols) and the commands of
# scripts/kairos.gdb. QEMU ends when gdb does.
DEBUG_PORT ?= 1234
GDB_FLAGS  ?=
GUEST_ELFS := $(TARGET_ROOT)/guests/$(TARGET)/release
debug: image $(QEMU_DTB) check-tool $(PLATFORM_DTB)
	@command -v gdb-multiarch >/dev/null || { echo "make debug: gdb-multiarch is missing (make deps)"; exit 1; }
	@$(CHECK) --gdb-symbols $(BUILD)/guests.gdb --guest-elfs $(GUEST_ELFS) $(CONFIG) >/dev/null || true
	@{ echo "file $(BUILD)/kairos.elf"; echo "target remote localhost:$(DEBUG_PORT)"; \
	   cat scripts/kairos.gdb $(BUILD)/guests.gdb; } > $(BUILD)/kairos.gdb
	@echo "make debug: QEMU waits for gdb on port $(DEBUG_PORT); console: $(BUILD)/console.log"
	@qemu-system-aarch64 $(QEMU_MACHINE) $(QEMU_TIME) -display none -monitor none -nic none \
	 $(foreach n,$(shell seq 1 $(CONSOLE_SERIAL)),-serial null) -serial file:$(BUILD)/console.log \
	 $(if $(QEMU_DTB),-dtb $(QEMU_DTB)) -kernel $(IMAGE) -S -gdb tcp:localhost:$(DEBUG_PORT) & qemu=$$!; \
	 gdb-multiarch -q -x $(BUILD)/kairos.gdb $(GDB_FLAGS); status=$$?; \
	 kill $$qemu 2>/dev/null; wait $$qemu 2>/dev/null; exit $$status

# The images (and boot files) of every board, each with its own default config.
images: image
	@for board in $(filter-out $(BOARD),$(BOARDS)); do \
		$(MAKE) --no-print-directory image BOARD=$$board CONFIG=boards/$$board/partitions.dts \
			OUT=$(OUT) TARGET_ROOT=$(TARGET_ROOT) LOG=$(LOG) IMAGE_SET=$(IMAGE_SET) || exit 1; \
	done

# Debian's real board DTBs, its arm64 kernel and busybox for the board and Linux tests
# (downloaded once, cached in $(OUT)/real-dtbs and $(OUT)/linux), and the Linux guest's
# initramfs. A failed download does not stop `make test`: the tests that need the files fail,
# saying why.
real-dtbs:
	@OUT=$(OUT) bash scripts/fetch-debian-arm64.sh || \
	 echo "make test: fetching Debian's arm64 files failed (see above); the real-DTB board tests and the Linux tests will fail"
	@if [ -s $(OUT)/linux/busybox ]; then \
	 bash scripts/make-initramfs.sh $(OUT)/linux/busybox boards/linux/init $(OUT)/linux/initramfs.cpio >/dev/null; fi
	@OUT=$(OUT) bash scripts/fetch-uboot.sh || \
	 echo "make test: fetching Debian's u-boot-qemu failed (see above); the U-Boot test will fail"

# The tests, the bench, the campaign and the sweep boot configs naming every guest.
test bench campaign: IMAGE_SET = test

test: images real-dtbs
	@OUT=$(OUT) bash scripts/test-configs.sh
	@echo "make test: the C analysis library for the host (its C test links it)"
	@cargo build -q -p rt-analysis-c
	@echo "make test: the failure protocol's journal under the C11 memory model (loom)"
	@RUSTFLAGS="--cfg loom" cargo test -q -p failover --release --test loom_journal \
	 --target-dir $(TARGET_ROOT)/loom
	@real=$(abspath $(OUT))/real-dtbs; \
	 if [ -f $$real/bcm2711-rpi-4-b.dtb ]; then export KAIROS_REAL_DTB_DIR=$$real; fi; \
	 echo "KAIROS_BUILD_DIR=$(abspath $(OUT)) cargo test --workspace"; \
	 KAIROS_BUILD_DIR=$(abspath $(OUT)) KAIROS_TARGET_ROOT=$(abspath $(TARGET_ROOT)) cargo test --workspace
	@echo "make test: all tests passed"

clean:
	rm -rf build target

# Deterministic cost table (instruction counts under -icount) and footprint.
bench: image
	@OUT=$(OUT) bash scripts/test-configs.sh
	@OUT=$(OUT) bash scripts/bench.sh

# The fault campaign (docs/fault-campaign.md): LAYOUTS seeded layouts from SEED on QEMU virt,
# each booted with and without its faults and checked from the trace; figures in
# eval/campaign.md, failing layouts in full in eval/runs/campaign-failures.md. LAYOUT=<seed>
# runs that one layout and shows its config, failures and consoles.
SEED    ?= 1
LAYOUTS ?= 320
.PHONY: campaign
campaign: image
	@KAIROS_BUILD_DIR=$(abspath $(OUT)) cargo run -q -p system-tests --bin campaign -- \
	 $(if $(LAYOUT),--layout $(LAYOUT),--seed $(SEED) --layouts $(LAYOUTS))

# Fault-injection sweep and evaluation report (eval/report.md and SVG plots): scripts/eval.sh.
.PHONY: eval
eval:
	@OUT=$(if $(filter build,$(OUT)),build-eval,$(OUT)) TARGET_ROOT=$(if $(filter target,$(TARGET_ROOT)),target-eval,$(TARGET_ROOT)) bash scripts/eval.sh
