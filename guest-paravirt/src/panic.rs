//! The panic handler of the guest image: report where, then power the VM off.

use core::panic::PanicInfo;

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    match info.location() {
        Some(location) => crate::fatal::stop(format_args!(
            "panic at {}:{}:{}: {}",
            location.file(),
            location.line(),
            location.column(),
            info.message()
        )),
        None => crate::fatal::stop(format_args!("panic: {}", info.message())),
    }
}
