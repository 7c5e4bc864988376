# Kairos: build, run and test. `make run` boots the default demo on QEMU virt; `make test` runs
# every test. Both install what is missing first (scripts/deps.sh).

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
# optionally QEMU_DTB (a DTB `make run` passes with -dtb) and BOARD_FILES (more files `make image`
# writes next to the Image, with their rules). Included after BUILD so board rules can use it.
QEMU_DTB    :=
BOARD_FILES :=
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

.PHONY: bench all deps image kernel guests config run test test-host test-qemu images real-dtbs clean help

all: image

help:
	@echo "make run [BOARD=qemu-virt] [CONFIG=path/to/partitions.dts]  boot the demo on QEMU"
	@echo "make image [BOARD=...]   build the raw arm64 Image (with the built-in config) and the"
	@echo "                         board's boot files (boards/README.md); boards: $(BOARDS)"
	@echo "make test                host unit tests and QEMU integration tests on every board"
	@echo "make campaign [SEED=1] [LAYOUTS=320]  the fault campaign on QEMU virt: random layouts,"
	@echo "                         faults and checks (docs/fault-campaign.md); figures in"
	@echo "                         eval/campaign.md. LAYOUT=<seed> runs one layout, in full"

deps:
	@bash scripts/deps.sh

guests: deps
	@cargo build -q -p guest-paravirt --release --target $(TARGET) --target-dir $(TARGET_ROOT)/guests
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
kernel: guests config
	@KAIROS_LOAD_ADDR=$(LOAD_ADDR) KAIROS_BOARD=$(BOARD) KAIROS_LOG=$(LOG) \
	 KAIROS_CONFIG_DTB=$(abspath $(CONFIG_DTB)) \
	 KAIROS_GUEST_IMAGES=$(subst $(space),$(comma),$(foreach g,$(GUESTS),$(g)=$(abspath $(GUEST_DIR)/$(g).bin))) \
	 cargo build -q -p hypervisor --release --target $(HV_TARGET) --target-dir $(CARGO_DIR)
	@$(OBJCOPY) -O binary $(CARGO_DIR)/$(HV_TARGET)/release/kairos $(IMAGE)
	@cp $(CARGO_DIR)/$(HV_TARGET)/release/kairos $(BUILD)/kairos.elf

$(IMAGE): kernel
$(CONFIG_DTB): config

empty :=
space := $(empty) $(empty)
comma := ,

run: image $(QEMU_DTB)
	@echo "make run: booting $(IMAGE) on $(BOARD) (Ctrl-A x quits; stops by itself after $(RUN_TIMEOUT) s)"
	@timeout --foreground $(RUN_TIMEOUT) qemu-system-aarch64 $(QEMU_MACHINE) $(QEMU_TIME) $(QEMU_CONSOLE) \
	 $(if $(QEMU_DTB),-dtb $(QEMU_DTB)) -kernel $(IMAGE); \
	 status=$$?; \
	 if [ $$status = 124 ]; then echo "make run: QEMU stopped: the demo did not finish within $(RUN_TIMEOUT) s"; fi; \
	 exit $$status

# The images (and boot files) of every board, each with its own default config.
images: image
	@for board in $(filter-out $(BOARD),$(BOARDS)); do \
		$(MAKE) --no-print-directory image BOARD=$$board CONFIG=boards/$$board/partitions.dts \
			OUT=$(OUT) TARGET_ROOT=$(TARGET_ROOT) LOG=$(LOG) || exit 1; \
	done

# Debian's real board DTBs for the board tests (downloaded once, cached in $(OUT)/real-dtbs). A
# failed download does not stop `make test`: the tests that need the files fail, saying why.
real-dtbs:
	@OUT=$(OUT) bash scripts/fetch-real-dtbs.sh || \
	 echo "make test: fetching Debian's DTBs failed (see above); the real-DTB board tests will fail"
	@OUT=$(OUT) bash scripts/fetch-uboot.sh || \
	 echo "make test: fetching Debian's u-boot-qemu failed (see above); the U-Boot test will fail"

test: images real-dtbs
	@OUT=$(OUT) bash scripts/test-configs.sh
	@real=$(abspath $(OUT))/real-dtbs; \
	 if [ -f $$real/bcm2711-rpi-4-b.dtb ]; then export KAIROS_REAL_DTB_DIR=$$real; fi; \
	 echo "KAIROS_BUILD_DIR=$(abspath $(OUT)) cargo test --workspace"; \
	 KAIROS_BUILD_DIR=$(abspath $(OUT)) cargo test --workspace
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
