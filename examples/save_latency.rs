//! Save → searchable latency under `runbook serve`: edits a runbook (a word nobody used before),
//! then asks the server until the word is found. Prints median, p95 and max.
//!
//! `cargo run --release --example save_latency -- RUNBOOK_BINARY ROOT [EDITS]`

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: save_latency RUNBOOK_BINARY ROOT [EDITS]";
    let binary = args.next().ok_or_else(|| anyhow::anyhow!(usage))?;
    let root = std::path::PathBuf::from(args.next().ok_or_else(|| anyhow::anyhow!(usage))?);
    let edits: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(40);

    let mut server = Command::new(&binary)
        .arg("--root")
        .arg(&root)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut banner = String::new();
    BufReader::new(
        server
            .stdout
            .take()
            .ok_or_else(|| anyhow::anyhow!("no stdout"))?,
    )
    .read_line(&mut banner)?;
    let base = banner
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .ok_or_else(|| anyhow::anyhow!("no URL in {banner:?}"))?
        .trim_end_matches('/')
        .to_string();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let get = |path: &str| -> anyhow::Result<serde_json::Value> {
        let text = agent
            .get(&format!("{base}{path}"))
            .call()?
            .body_mut()
            .read_to_string()?;
        Ok(serde_json::from_str(&text)?)
    };
    let started = Instant::now();
    while get("/healthz")?["ready"] != true {
        std::thread::sleep(Duration::from_millis(50));
    }
    println!(
        "server ready after {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let files: Vec<_> = walk(&root.join("runbooks"));
    let mut latencies = Vec::with_capacity(edits);
    for k in 0..edits {
        let file = &files[(k * 7919) % files.len()];
        let word = format!("probe{k}x{}", std::process::id());
        let mut text = std::fs::read_to_string(file)?;
        text.push_str(&format!("\n{word}\n"));
        std::fs::write(file, &text)?;
        let saved = Instant::now();
        loop {
            if get(&format!("/api/search?q={word}&limit=1"))?["total"] == 1 {
                break;
            }
            if saved.elapsed() > Duration::from_secs(10) {
                anyhow::bail!("{word} not searchable after 10 s");
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        latencies.push(saved.elapsed());
        // let the watcher settle so edits do not merge into one batch
        std::thread::sleep(Duration::from_millis(150));
    }
    let _ = server.kill();
    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    println!(
        "save -> searchable over {edits} edits: median {:.0} ms, p95 {:.0} ms, max {:.0} ms",
        ms(p(0.5)),
        ms(p(0.95)),
        ms(p(1.0))
    );
    Ok(())
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}
