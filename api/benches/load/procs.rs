//! The processes the bench runs: the release `api`, `wrk` and `pgbench`, and what it reads of
//! them (`/proc`, their summaries).

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()))
}

/// Cores, CPU model and load average, for the figures' caption.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .unwrap_or("?")
        .trim()
        .to_owned();
    let cores = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!("{cores} cores ({model}), load average {}", load.join(" "))
}

/// The release `api` binary serving the bench's database on a free loopback port.
pub struct Api {
    child: Child,
    pub base: String,
}

impl Api {
    /// Starts the API (settings: the bench's own `AFTERCARE_*`, `RUST_LOG` and glibc's
    /// `MALLOC_*` variables, then
    /// the database, a free port, a fixed JWT key and hour-long access tokens) and waits until
    /// `/readyz` answers 200. Its output goes to `log`.
    pub fn start(database_url: &str, log: &Path) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_api"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default());
        for (k, v) in std::env::vars() {
            if k.starts_with("AFTERCARE_") || k.starts_with("MALLOC_") || k == "RUST_LOG" {
                cmd.env(k, v);
            }
        }
        let out = File::create(log).unwrap();
        let child = cmd
            .env("DATABASE_URL", database_url)
            .env("AFTERCARE_BIND", format!("127.0.0.1:{port}"))
            .env(
                "AFTERCARE_JWT_SECRET",
                "load-bench-secret-0123456789abcdef0123456789abcdef",
            )
            .env("AFTERCARE_ACCESS_TOKEN_TTL_SECS", "3600")
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        loop {
            let ready = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
                && http_status(port, "/readyz") == Some(200);
            if ready {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the api did not become ready; see {}",
                log.display()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Self { child, base }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, then waits for the graceful stop (also on drop, so a failing bench leaves no
    /// server behind).
    pub fn stop(self) {
        drop(self);
    }

    /// Resets the peak resident set (`VmHWM`) to the current one, so a run's peak is its own
    /// and not the sign-ins' (argon2 takes 19 MiB per hash).
    fn reset_peak(&self) {
        let _ = std::fs::write(format!("/proc/{}/clear_refs", self.pid()), "5");
    }

    fn peak_rss_kib(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmHWM:"))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            })
            .unwrap_or(0)
    }

    /// User + system CPU time so far, in seconds (clock ticks of 1/100 s).
    fn cpu_secs(&self) -> f64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap_or_default();
        // Fields after the command name (which may hold spaces) start at the state, field 3.
        let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
        let f: Vec<u64> = rest
            .split_whitespace()
            .map(|x| x.parse().unwrap_or(0))
            .collect();
        (f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0)) as f64 / 100.0
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// A one-shot HTTP/1.0 GET on loopback; the status code.
fn http_status(port: u16, path: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// Busy and total jiffies of the whole machine (`/proc/stat`).
fn box_jiffies() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let f: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    let total: u64 = f.iter().sum();
    let idle = f.get(3).copied().unwrap_or(0) + f.get(4).copied().unwrap_or(0);
    (total - idle, total)
}

/// One load run's figures.
#[derive(Debug, Default)]
pub struct Tool {
    pub rate: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    pub p999_us: f64,
    /// Non-2xx answers (wrk) or failed transactions and aborted clients (pgbench).
    pub failed: u64,
    pub socket_errors: u64,
    pub api_peak_rss_kib: Option<u64>,
    /// API CPU time over wall time, in cores.
    pub api_cores: Option<f64>,
    /// Share of the whole machine's CPU time that was busy during the run.
    pub box_busy: f64,
}

impl Tool {
    pub fn cells(&self) -> String {
        let ms = |us: f64| format!("{:.2} ms", us / 1000.0);
        format!(
            "{:.0} | {} | {} | {} | {} | {} | {} | {} | {:.0}%",
            self.rate,
            ms(self.p50_us),
            ms(self.p99_us),
            ms(self.p999_us),
            self.failed,
            self.socket_errors,
            self.api_peak_rss_kib
                .map_or("—".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0)),
            self.api_cores
                .map_or("—".into(), |c| format!("{c:.2} cores")),
            self.box_busy * 100.0
        )
    }
}

pub struct Load {
    pub secs: usize,
    pub connections: usize,
    /// One access token a line.
    pub tokens: PathBuf,
    pub dir: PathBuf,
}

impl Load {
    /// `wrk` with two threads; each request carries the next patient's token (in
    /// `Authorization`, or in a header the API ignores when `auth` is false, so the request
    /// is the same size). Latency percentiles come from wrk's own histogram in `done()`.
    pub fn wrk(&self, api: &Api, method: &str, path: &str, body: Option<&str>, auth: bool) -> Tool {
        let header = if auth {
            "Authorization"
        } else {
            "X-Bench-Token"
        };
        self.wrk_with(api, method, path, body, &self.tokens, header, "Bearer ")
    }

    /// `wrk` as [`Load::wrk`], each request carrying the next line of `credentials` in
    /// `header` after `prefix` (a session cookie: `Cookie`, no prefix).
    #[allow(clippy::too_many_arguments)]
    pub fn wrk_with(
        &self,
        api: &Api,
        method: &str,
        path: &str,
        body: Option<&str>,
        credentials: &Path,
        header: &str,
        prefix: &str,
    ) -> Tool {
        let body = body.map_or("nil".to_owned(), |b| format!("[[{b}]]"));
        let script = self.dir.join("wrk.lua");
        std::fs::write(
            &script,
            format!(
                r#"local threads = 0
function setup(thread)
  thread:set("offset", threads * 7919)
  threads = threads + 1
end
function init(args)
  tokens = {{}}
  for line in io.lines("{tokens}") do tokens[#tokens + 1] = line end
  i = offset or 0
end
function request()
  i = i + 1
  local t = tokens[(i % #tokens) + 1]
  return wrk.format("{method}", "{path}", {{["{header}"] = "{prefix}" .. t, ["Content-Type"] = "application/json"}}, {body})
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), e.status,
    e.connect + e.read + e.write + e.timeout))
end
"#,
                tokens = credentials.display(),
            ),
        )
        .unwrap();
        api.reset_peak();
        let (cpu0, box0) = (api.cpu_secs(), box_jiffies());
        let out = Command::new("wrk")
            .args([
                "-t2",
                &format!("-c{}", self.connections),
                &format!("-d{}s", self.secs),
                "--timeout",
                "5s",
                "-s",
            ])
            .arg(&script)
            .arg(&api.base)
            .output()
            .unwrap();
        let (cpu1, box1) = (api.cpu_secs(), box_jiffies());
        let stdout = String::from_utf8_lossy(&out.stdout);
        let f: Vec<f64> = stdout
            .lines()
            .find_map(|l| l.strip_prefix("BENCH "))
            .unwrap_or_else(|| panic!("wrk said: {stdout}{}", String::from_utf8_lossy(&out.stderr)))
            .split_whitespace()
            .map(|x| x.parse().unwrap())
            .collect();
        let secs = f[1] / 1e6;
        let tool = Tool {
            rate: f[0] / secs,
            p50_us: f[2],
            p99_us: f[3],
            p999_us: f[4],
            failed: f[5] as u64,
            socket_errors: f[6] as u64,
            api_peak_rss_kib: Some(api.peak_rss_kib()),
            api_cores: Some((cpu1 - cpu0) / secs),
            box_busy: (box1.0 - box0.0) as f64 / (box1.1 - box0.1).max(1) as f64,
        };
        println!("wrk {method} {path}: {}", tool.cells());
        tool
    }

    /// `pgbench -M prepared` (statements prepared once per connection, as diesel's statement
    /// cache does) with two threads; latency percentiles from its per-transaction log.
    pub fn pgbench(&self, url: &str, script: &Script) -> Tool {
        let prefix = self.dir.join(format!("pgbench-{}", script.name));
        let mut cmd = Command::new("pgbench");
        cmd.args([
            "-n",
            "-M",
            "prepared",
            "-c",
            &self.connections.to_string(),
            "-j",
            "2",
            "-T",
            &self.secs.to_string(),
            "-l",
            "-D",
            "first=1",
        ])
        .arg(format!("--log-prefix={}", prefix.display()))
        .arg("-f")
        .arg(&script.path);
        for (k, v) in &script.defines {
            cmd.arg("-D").arg(format!("{k}={v}"));
        }
        cmd.arg(url);
        // Other clients of a shared server may hold connections for a moment: retry a few
        // times rather than fail the whole bench.
        let (mut box0, mut box1, mut out);
        let mut tries = 0;
        loop {
            box0 = box_jiffies();
            out = cmd.output().unwrap();
            box1 = box_jiffies();
            tries += 1;
            let full = String::from_utf8_lossy(&out.stderr).contains("too many clients");
            if !full || tries == 10 {
                break;
            }
            eprintln!("pgbench: the server has too many clients; retrying in 5 s");
            let _ = transaction_log(&prefix);
            std::thread::sleep(Duration::from_secs(5));
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let number = |key: &str| -> Option<f64> {
            stdout
                .lines()
                .find_map(|l| l.trim().strip_prefix(key))
                .and_then(|r| r.split_whitespace().next()?.parse().ok())
        };
        let Some(rate) = number("tps = ") else {
            panic!("pgbench said: {stdout}{stderr}");
        };
        let aborted = stderr.lines().filter(|l| l.contains("aborted")).count() as u64;
        if aborted > 0 {
            eprintln!(
                "pgbench: {}",
                stderr.lines().take(5).collect::<Vec<_>>().join("\n")
            );
        }
        let failed = number("number of failed transactions: ").unwrap_or(0.0) as u64 + aborted;
        let mut latencies = transaction_log(&prefix);
        latencies.sort_by(f64::total_cmp);
        let pick = |q: f64| {
            latencies
                .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
                .copied()
                .unwrap_or(0.0)
        };
        let tool = Tool {
            rate,
            p50_us: pick(0.5),
            p99_us: pick(0.99),
            p999_us: pick(0.999),
            failed,
            socket_errors: 0,
            api_peak_rss_kib: None,
            api_cores: None,
            box_busy: (box1.0 - box0.0) as f64 / (box1.1 - box0.1).max(1) as f64,
        };
        println!("pgbench {}: {}", script.name, tool.cells());
        tool
    }
}

/// A pgbench script file and the constant values it reads from `-D` variables.
pub struct Script {
    pub name: String,
    pub path: PathBuf,
    pub defines: Vec<(String, String)>,
}

/// Every transaction's latency (µs) from pgbench's `-l` files (`PREFIX.PID[.THREAD]`: client,
/// transaction, latency, script, epoch, µs), which are then removed.
fn transaction_log(prefix: &Path) -> Vec<f64> {
    let dir = prefix.parent().unwrap();
    let stem = prefix.file_name().unwrap().to_string_lossy().into_owned() + ".";
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if !entry.file_name().to_string_lossy().starts_with(&stem) {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        out.extend(
            text.lines()
                .filter_map(|l| l.split_whitespace().nth(2)?.parse::<f64>().ok()),
        );
        let _ = std::fs::remove_file(entry.path());
    }
    out
}
