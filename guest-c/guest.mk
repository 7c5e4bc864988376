# rtos-c, the C guest (guest-c/, docs in guest-paravirt/PARAVIRT.md): built with the C porting
# kit (guest-paravirt/include, guest-paravirt/c) and the analysis library (crates/rt-analysis-c)
# into a raw arm64 Image the hypervisor embeds next to the Rust guests. Included by the Makefile.

C_GUESTS        := rtos-c
C_GUEST_CC      := aarch64-linux-gnu-gcc
C_GUEST_FLAGS   := -std=c11 -ffreestanding -nostdlib -fno-pie -mstrict-align -mno-outline-atomics \
                   -O2 -g -Wall -Wextra -Werror -MMD -MP \
                   -Iguest-paravirt/include -Icrates/rt-analysis-c/include
C_GUEST_OBJDIR  := $(GUEST_DIR)/rtos-c
C_GUEST_SOURCES := $(wildcard guest-c/*.c guest-c/*.S guest-paravirt/c/*.c guest-paravirt/c/*.S)
C_GUEST_OBJECTS := $(patsubst %,$(C_GUEST_OBJDIR)/%.o,$(notdir $(C_GUEST_SOURCES)))
C_GUEST_IMAGE   := $(GUEST_DIR)/rtos-c.bin
ANALYSIS_LIB    := $(TARGET_ROOT)/guests/$(TARGET)/release/libkairos_analysis.a

vpath %.c guest-c guest-paravirt/c
vpath %.S guest-c guest-paravirt/c

# Cargo knows whether the library is up to date; make then sees whether the file changed.
$(ANALYSIS_LIB): FORCE | deps
	@cargo build -q -p rt-analysis-c --release --target $(TARGET) --target-dir $(TARGET_ROOT)/guests

$(C_GUEST_OBJDIR)/%.c.o: %.c | deps
	@mkdir -p $(C_GUEST_OBJDIR)
	@$(C_GUEST_CC) $(C_GUEST_FLAGS) -c $< -o $@

$(C_GUEST_OBJDIR)/%.S.o: %.S | deps
	@mkdir -p $(C_GUEST_OBJDIR)
	@$(C_GUEST_CC) $(C_GUEST_FLAGS) -c $< -o $@

$(C_GUEST_OBJDIR)/rtos-c.elf: $(C_GUEST_OBJECTS) $(ANALYSIS_LIB) guest-c/guest.ld
	@$(C_GUEST_CC) -nostdlib -static -no-pie -Wl,--gc-sections -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
	 -T guest-c/guest.ld $(C_GUEST_OBJECTS) $(ANALYSIS_LIB) -o $@

$(C_GUEST_IMAGE): $(C_GUEST_OBJDIR)/rtos-c.elf
	@$(OBJCOPY) -O binary $< $@

.PHONY: FORCE
FORCE:

-include $(C_GUEST_OBJECTS:.o=.d)
