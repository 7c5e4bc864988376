# Kairos: build, run and test. `make run` boots the default demo on QEMU virt; `make test` runs
# every test. Both install what is missing first (scripts/deps.sh).

BOARD   ?= qemu-virt
CONFIG  ?= boards/$(BOARD)/partitions.dts
include boards/$(BOARD)/board.mk

# OUT and TARGET_ROOT let several builds (or engineers) work side by side without sharing files.
OUT         ?= build
TARGET_ROOT ?= target
TARGET      := aarch64-unknown-none
BUILD       := $(OUT)/$(BOARD)
GUEST_DIR   := $(OUT)/guests
CARGO_DIR   := $(TARGET_ROOT)/$(BOARD)
IMAGE       := $(BUILD)/Image
CONFIG_DTB  := $(BUILD)/partitions.dtb
RUN_TIMEOUT ?= 120
LOG         ?= info
OBJCOPY     := aarch64-linux-gnu-objcopy
GUESTS      := hello attacker bench

.PHONY: bench all deps image guests config run test test-host test-qemu clean help

all: image

help:
	@echo "make run [BOARD=qemu-virt] [CONFIG=path/to/partitions.dts]  boot the demo on QEMU"
	@echo "make image [BOARD=...]   build the raw arm64 Image (with the built-in config)"
	@echo "make test                host unit tests and QEMU integration tests"

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

image: guests config
	@KAIROS_LOAD_ADDR=$(LOAD_ADDR) KAIROS_BOARD=$(BOARD) KAIROS_LOG=$(LOG) \
	 KAIROS_CONFIG_DTB=$(abspath $(CONFIG_DTB)) \
	 KAIROS_GUEST_IMAGES=$(subst $(space),$(comma),$(foreach g,$(GUESTS),$(g)=$(abspath $(GUEST_DIR)/$(g).bin))) \
	 cargo build -q -p hypervisor --release --target $(TARGET) --target-dir $(CARGO_DIR)
	@$(OBJCOPY) -O binary $(CARGO_DIR)/$(TARGET)/release/kairos $(IMAGE)
	@cp $(CARGO_DIR)/$(TARGET)/release/kairos $(BUILD)/kairos.elf
	@echo "make image: wrote $(IMAGE) ($$(stat -c %s $(IMAGE)) bytes) for $(BOARD), config $(CONFIG)"

empty :=
space := $(empty) $(empty)
comma := ,

run: image
	@echo "make run: booting $(IMAGE) on $(BOARD) (Ctrl-A x quits; stops by itself after $(RUN_TIMEOUT) s)"
	@timeout --foreground $(RUN_TIMEOUT) qemu-system-aarch64 $(QEMU_MACHINE) $(QEMU_CONSOLE) -kernel $(IMAGE); \
	 status=$$?; \
	 if [ $$status = 124 ]; then echo "make run: QEMU stopped: the demo did not finish within $(RUN_TIMEOUT) s"; fi; \
	 exit $$status

test: image
	@OUT=$(OUT) bash scripts/test-configs.sh
	KAIROS_BUILD_DIR=$(abspath $(OUT)) cargo test --workspace
	@echo "make test: all tests passed"

clean:
	rm -rf build target

# Deterministic cost table (instruction counts under -icount) and footprint.
bench: image
	@OUT=$(OUT) bash scripts/test-configs.sh
	@OUT=$(OUT) bash scripts/bench.sh
