//! Writes a synthetic knowledge base for benchmarks:
//! `cargo run --release --example gen_corpus -- DIR N [SEED]`.

#[path = "../benches/support/corpus.rs"]
mod corpus;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: gen_corpus DIR N [SEED]";
    let dir = args.next().ok_or_else(|| anyhow::anyhow!(usage))?;
    let n: usize = args.next().ok_or_else(|| anyhow::anyhow!(usage))?.parse()?;
    let seed: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(42);
    let bytes = corpus::write(std::path::Path::new(&dir), n, seed)?;
    println!(
        "{n} runbooks, {:.1} MB, seed {seed}, in {dir}",
        bytes as f64 / 1e6
    );
    Ok(())
}
