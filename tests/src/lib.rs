//! Harness for the QEMU integration tests: boots a built Kairos image with a timeout, captures
//! the console, and parses the `EVT {json}` trace lines.
//!
//! Images and test configs come from `make image` and `scripts/test-configs.sh` (run by
//! `make test`); a test whose image is missing fails with a message saying how to build it.

pub mod campaign;
pub mod scenario;

use serde_json::Value;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The workspace root (parent of this crate).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A built file under `build/` (or `$KAIROS_BUILD_DIR`), failing clearly when it is absent.
pub fn built(relative: &str) -> PathBuf {
    let build = std::env::var_os("KAIROS_BUILD_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("build"));
    let path = build.join(relative);
    assert!(
        path.exists(),
        "{} is missing: run `make test` (it builds images and test configs)",
        path.display()
    );
    path
}

/// The compiled test config `tests/configs/<name>.dts`.
pub fn config(name: &str) -> PathBuf {
    built(&format!("test-configs/{name}.dtb"))
}

/// One of Debian's real board DTBs (`broadcom/bcm2711-rpi-4-b.dtb`, `freescale/imx8mp-evk.dtb`,
/// from the arm64 linux-image package), which `make test` fetches into `<build>/real-dtbs/` with
/// `scripts/fetch-debian-arm64.sh`. Missing (no network when it ran, say), the test fails saying so.
pub fn real_dtb(name: &str) -> PathBuf {
    let build = std::env::var_os("KAIROS_BUILD_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("build"));
    let dir = build.join("real-dtbs");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: Debian's real device trees could not be fetched. `make test` runs \
         scripts/fetch-debian-arm64.sh, which downloads the arm64 linux-image package from Debian's \
         archive (network needed); its log is {}",
        path.display(),
        dir.join("fetch.log").display()
    );
    path
}

/// Debian's unmodified arm64 kernel (the raw Image of the linux-image package's vmlinuz) and the
/// small busybox initramfs built from Debian's busybox-static, which `make test` fetches and
/// builds into `<build>/linux/` (`scripts/fetch-debian-arm64.sh`, `scripts/make-initramfs.sh`).
/// Missing (no network when they ran, say), the test fails saying so.
pub fn linux_files() -> (PathBuf, PathBuf) {
    let build = std::env::var_os("KAIROS_BUILD_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("build"));
    let files = (
        build.join("linux/Image"),
        build.join("linux/initramfs.cpio"),
    );
    for file in [&files.0, &files.1] {
        assert!(
            file.exists(),
            "{} is missing: `make test` fetches Debian's linux-image and busybox-static arm64 \
             packages (scripts/fetch-debian-arm64.sh, network needed; log {}) and builds the \
             initramfs (scripts/make-initramfs.sh)",
            file.display(),
            build.join("real-dtbs/fetch.log").display()
        );
    }
    files
}

/// A path for a scratch file of this test process, removed when the value is dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    /// `<temp>/kairos-<pid>-<n>-<name>`, unique within the process.
    pub fn new(name: &str) -> Scratch {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Scratch(std::env::temp_dir().join(format!("kairos-{}-{n}-{name}", std::process::id())))
    }

    /// The path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Runs a host tool (dtc, fdtput, fdtoverlay, mkimage, ...) and fails the test if it fails.
pub fn tool(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("{program} not found ({e}): run `make test`, which installs it")
        });
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Writes to `path` the DTB QEMU virt makes for `cores` cores (GICv3, Cortex-A72, 1 GiB,
/// virtualization on: the machine of `Qemu::virt(3, cores)`), compacted to its real size (QEMU
/// pads the one it dumps to 1 MiB).
pub fn virt_dtb(cores: usize, path: &Path) {
    let padded = Scratch::new("virt-padded.dtb");
    let dump = format!("dumpdtb={}", padded.path().display());
    let cores = cores.to_string();
    tool(
        "qemu-system-aarch64",
        &[
            "-M",
            "virt,virtualization=on,gic-version=3",
            "-machine",
            &dump,
            "-cpu",
            "cortex-a72",
            "-smp",
            &cores,
            "-m",
            "1G",
            "-display",
            "none",
            "-nic",
            "none",
        ],
    );
    let (from, to) = (padded.path().to_str().unwrap(), path.to_str().unwrap());
    tool("dtc", &["-q", "-I", "dtb", "-O", "dtb", "-o", to, from]);
}

/// A QEMU invocation being assembled.
pub struct Qemu {
    args: Vec<String>,
    timeout: Duration,
    input: Vec<(String, String)>,
}

impl Qemu {
    /// QEMU virt with virtualization on, GIC `gic` (2 or 3) and `cores` cores, booting the
    /// qemu-virt Image.
    pub fn virt(gic: u8, cores: usize) -> Qemu {
        let cpu = if gic == 2 { "cortex-a53" } else { "cortex-a72" };
        let image = built("qemu-virt/Image");
        let args = [
            "-M",
            &format!("virt,virtualization=on,gic-version={gic}"),
            "-cpu",
            cpu,
            "-smp",
            &cores.to_string(),
            "-m",
            "1G",
            "-nographic",
            "-nic",
            "none",
            "-kernel",
            image.to_str().unwrap(),
        ];
        Qemu {
            args: args.iter().map(|s| s.to_string()).collect(),
            timeout: Duration::from_secs(60),
            input: Vec::new(),
        }
        .icount()
    }

    /// QEMU raspi4b (4 Cortex-A72, 2 GiB, the 54 MHz counter the Pi firmware sets; no PSCI, so
    /// `-semihosting` for the exit) booting the rpi4 `kairos.img` with the platform DTB `dtb`,
    /// the console on serial port `console`: 0 is the PL011 (UART0), 1 the mini UART (UART1,
    /// where Debian's DTB puts stdout-path).
    pub fn raspi4b(dtb: &Path, console: usize) -> Qemu {
        let image = built("rpi4/boot/kairos.img");
        let mut args: Vec<String> = [
            "-M",
            "raspi4b",
            "-smp",
            "4",
            "-global",
            "cortex-a72-arm-cpu.cntfrq=54000000",
            "-semihosting",
            "-display",
            "none",
            "-monitor",
            "none",
            "-nic",
            "none",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(serial_ports(console));
        args.extend([
            "-dtb".into(),
            dtb.to_str().unwrap().into(),
            "-kernel".into(),
            image.to_str().unwrap().into(),
        ]);
        Qemu {
            args,
            timeout: Duration::from_secs(60),
            input: Vec::new(),
        }
        .icount()
    }

    /// QEMU imx8mp-evk (4 Cortex-A53, 2 GiB, PSCI by SMC) booting the imx8mp Image with the
    /// platform DTB `dtb`; the console, UART2, is the second serial port.
    pub fn imx8mp(dtb: &Path) -> Qemu {
        let image = built("imx8mp/boot/Image");
        let mut args: Vec<String> = [
            "-M",
            "imx8mp-evk",
            "-smp",
            "4",
            "-m",
            "2G",
            "-display",
            "none",
            "-monitor",
            "none",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(serial_ports(1));
        args.extend([
            "-dtb".into(),
            dtb.to_str().unwrap().into(),
            "-kernel".into(),
            image.to_str().unwrap().into(),
        ]);
        Qemu {
            args,
            timeout: Duration::from_secs(60),
            input: Vec::new(),
        }
        .icount()
    }

    /// Boots `image` instead of the board's own (for load-address and entry checks).
    pub fn kernel(mut self, image: &Path) -> Qemu {
        let at = self
            .args
            .iter()
            .position(|a| a == "-kernel")
            .expect("-kernel")
            + 1;
        self.args[at] = image.to_str().unwrap().into();
        self
    }

    /// Starts `firmware` in place of the kernel (`-bios`: QEMU virt runs it from its flash at
    /// EL2 with virtualization on), a boot loader that boots Kairos itself.
    pub fn firmware(mut self, firmware: &Path) -> Qemu {
        let at = self
            .args
            .iter()
            .position(|a| a == "-kernel")
            .expect("-kernel");
        self.args[at] = "-bios".into();
        self.args[at + 1] = firmware.to_str().unwrap().into();
        self
    }

    /// Hands `dtb` to the hypervisor as the initrd (the boot loader's config handover).
    pub fn initrd(mut self, dtb: &Path) -> Qemu {
        self.args
            .extend(["-initrd".into(), dtb.to_str().unwrap().into()]);
        self
    }

    /// Places `file` in memory at `address` before the boot, as a boot loader would (QEMU's
    /// generic loader device).
    pub fn load(self, file: &Path, address: u64) -> Qemu {
        let device = format!(
            "loader,file={},addr={address:#x},force-raw=on",
            file.display()
        );
        self.arg("-device").arg(&device)
    }

    /// Any extra QEMU arguments.
    pub fn arg(mut self, arg: &str) -> Qemu {
        self.args.push(arg.into());
        self
    }

    /// A 1 GHz system counter, so that under `icount` one tick is one instruction.
    pub fn cntfrq_1ghz(mut self) -> Qemu {
        if let Some(position) = self.args.iter().position(|a| a == "-cpu") {
            let cpu = &mut self.args[position + 1];
            if !cpu.contains("cntfrq") {
                cpu.push_str(",cntfrq=1000000000");
            }
        }
        self
    }

    /// Deterministic time: one instruction per nanosecond, idle skipped. Every constructor
    /// turns it on: the hypervisor's heartbeat watchdog measures time on the system counter,
    /// and without `-icount` the host's scheduling of QEMU's vCPU threads (tens of ms under a
    /// loaded CI machine) would look like dead cores.
    pub fn icount(self) -> Qemu {
        if self.args.iter().any(|a| a == "-icount") {
            return self;
        }
        self.arg("-icount").arg("shift=0,sleep=off")
    }

    /// Types `text` on the console once the output contains `trigger` (in the order given).
    pub fn type_when(mut self, trigger: &str, text: &str) -> Qemu {
        self.input.push((trigger.into(), text.into()));
        self
    }

    /// Kills QEMU after `timeout` (the run then reports `timed_out`).
    pub fn timeout(mut self, timeout: Duration) -> Qemu {
        self.timeout = timeout;
        self
    }

    /// Runs QEMU to its end (or the timeout) and returns what it printed.
    pub fn run(self) -> Run {
        let mut child = Command::new("qemu-system-aarch64")
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("qemu-system-aarch64 not found: run `make test`, which installs it");
        let mut stdout = child.stdout.take().unwrap();
        let shared = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
        let sink = shared.clone();
        let reader = std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&chunk[..n]);
            }
        });
        let mut stdin = child.stdin.take();
        let start = Instant::now();
        let mut input = self.input.into_iter().peekable();
        let (status, timed_out) = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break (status.code(), false);
            }
            if start.elapsed() > self.timeout {
                let _ = child.kill();
                let _ = child.wait();
                break (None, true);
            }
            if let Some((trigger, _)) = input.peek() {
                let seen =
                    String::from_utf8_lossy(&shared.lock().unwrap()).contains(trigger.as_str());
                if seen {
                    let (_, text) = input.next().unwrap();
                    if let Some(pipe) = stdin.as_mut() {
                        let _ = pipe.write_all(text.as_bytes());
                        let _ = pipe.flush();
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        drop(stdin);
        let mut stderr = String::new();
        let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
        reader.join().unwrap();
        let output = String::from_utf8_lossy(&shared.lock().unwrap()).into_owned();
        Run {
            output,
            stderr,
            status,
            timed_out,
            elapsed: start.elapsed(),
        }
    }
}

/// `-serial` arguments that put serial port `console` on stdio and the ports before it nowhere.
fn serial_ports(console: usize) -> Vec<String> {
    let mut args = Vec::new();
    for _ in 0..console {
        args.extend(["-serial".to_string(), "null".to_string()]);
    }
    args.extend(["-serial".to_string(), "stdio".to_string()]);
    args
}

/// What one QEMU run printed and how it ended.
pub struct Run {
    /// Console output.
    pub output: String,
    /// QEMU's own error output.
    pub stderr: String,
    /// Exit status (None if killed).
    pub status: Option<i32>,
    /// True if the harness had to kill QEMU.
    pub timed_out: bool,
    /// Wall time taken.
    pub elapsed: Duration,
}

impl Run {
    /// Every trace event, parsed (a deferred prediction merged into its decision:
    /// [`merge_deferred_predictions`]); a malformed `EVT` line fails the test.
    pub fn events(&self) -> Vec<Value> {
        let lines: Vec<&str> = self.output.lines().collect();
        let mut events: Vec<Value> = lines
            .iter()
            .enumerate()
            .filter_map(|(at, line)| Some((at, line.trim_end_matches('\r').strip_prefix("EVT ")?)))
            .map(|(at, json)| {
                serde_json::from_str(json).unwrap_or_else(|e| {
                    let around = lines[at.saturating_sub(3)..(at + 4).min(lines.len())].join("\n");
                    panic!("bad EVT line {json}: {e}; around it:\n{around}")
                })
            })
            .collect();
        merge_deferred_predictions(&mut events);
        events
    }

    /// The events called `name`.
    pub fn events_named(&self, name: &str) -> Vec<Value> {
        self.events()
            .into_iter()
            .filter(|event| event["ev"] == name)
            .collect()
    }

    /// Console lines (CR stripped).
    pub fn lines(&self) -> Vec<&str> {
        self.output
            .lines()
            .map(|line| line.trim_end_matches('\r'))
            .collect()
    }

    /// Asserts the machine powered itself off cleanly (exit 0, not killed).
    pub fn assert_clean_exit(&self) {
        assert!(
            !self.timed_out,
            "QEMU timed out after {:?}; output:\n{}",
            self.elapsed, self.output
        );
        assert_eq!(
            self.status,
            Some(0),
            "QEMU exit status; stderr: {}\noutput:\n{}",
            self.stderr,
            self.output
        );
    }

    /// Asserts some line contains `text`.
    pub fn assert_line(&self, text: &str) {
        assert!(
            self.lines().iter().any(|line| line.contains(text)),
            "no line contains {text:?}; output:\n{}",
            self.output
        );
    }
}

/// The measured downtime of a `migration_done` event is at most the predicted and at least 80 %
/// of it when the VM was held to its planned instant, 75 % when it resumed as soon as ready
/// (`asap`: it comes back as early as the decision, restore and remap bounds it did not use
/// allow; the i.MX8 demo resumes 137 us early on a 679 us prediction, 0.796).
pub fn assert_downtime_within_prediction(done: &Value) {
    let (measured, predicted) = (
        done["measured_ns"].as_u64().unwrap(),
        done["predicted_ns"].as_u64().unwrap(),
    );
    let least_percent = if done["resume_mode"] == "asap" {
        75
    } else {
        80
    };
    assert!(
        measured <= predicted && measured * 100 >= predicted * least_percent,
        "measured {measured} predicted {predicted} ({})",
        done["resume_mode"]
    );
}

/// Boots the qemu-virt Image on 4 cores (GICv3, a 1 GHz counter, `-icount`) with the test
/// config `config_name`, and checks it powered off cleanly without a hypervisor panic.
pub fn boot_with_config(config_name: &str) -> Run {
    let run = Qemu::virt(3, 4)
        .cntfrq_1ghz()
        .icount()
        .initrd(&config(config_name))
        .run();
    run.assert_clean_exit();
    assert!(
        run.events_named("panic").is_empty(),
        "the hypervisor never panics"
    );
    run
}

/// The console lines of VM `vm`, without the `[vm] ` prefix.
pub fn vm_lines<'r>(run: &'r Run, vm: &str) -> Vec<&'r str> {
    let prefix = format!("[{vm}] ");
    run.lines()
        .into_iter()
        .filter_map(|line| line.strip_prefix(prefix.as_str()))
        .collect()
}

/// `key=value` of a console line, as a number.
pub fn field(line: &str, key: &str) -> u64 {
    let text = line
        .split_whitespace()
        .find_map(|word| {
            word.strip_prefix(key)
                .and_then(|rest| rest.strip_prefix('='))
        })
        .unwrap_or_else(|| panic!("no {key}= in {line:?}"));
    text.parse()
        .unwrap_or_else(|_| panic!("{key}={text} in {line:?}"))
}

/// The `deadline_miss` events of VM `vm` in `[from_ns, until_ns)`, counted per task for its
/// `tasks` tasks: the misses its guest observed (and reported) in that time.
pub fn misses_per_task(run: &Run, vm: u64, tasks: usize, from_ns: u64, until_ns: u64) -> Vec<u64> {
    let mut counts = vec![0; tasks];
    for event in run.events_named("deadline_miss") {
        let at = event["t_ns"].as_u64().unwrap();
        if event["vm"] == vm && (from_ns..until_ns).contains(&at) {
            counts[event["task"].as_u64().unwrap() as usize] += 1;
        }
    }
    counts
}

/// A decision whose prediction its time allowance cut is followed, possibly much later, by a
/// `migration_prediction` of the same VM and failed core with the completed figures: they
/// replace the decision's (`misses`, `misses_total`, `misses_complete`, `horizon_ns`); no field
/// is added, so the merged events read as the trace format documents them. A VM leaves a
/// failed core once, so the pair names one decision.
pub fn merge_deferred_predictions(events: &mut [Value]) {
    for at in 0..events.len() {
        if events[at]["ev"] != "migration_prediction" {
            continue;
        }
        let completion = events[at].clone();
        let decision = events[..at].iter_mut().rev().find(|event| {
            event["ev"] == "migration_decision"
                && event["vm"] == completion["vm"]
                && event["failed_core"] == completion["failed_core"]
        });
        let Some(Value::Object(decision)) = decision else {
            continue;
        };
        for key in ["misses", "misses_total", "misses_complete"] {
            decision.insert(key.into(), completion[key].clone());
        }
        match completion.get("horizon_ns") {
            Some(horizon) => decision.insert("horizon_ns".into(), horizon.clone()),
            None => decision.remove("horizon_ns"),
        };
    }
}
