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
    let root = std::path::Path::new(&dir);
    // A finished corpus is kept (generating 100,000 runbooks takes a while); its book.toml is
    // written anew, so a corpus made by an older generator gets the current settings.
    if let Ok(bytes) = std::fs::read_to_string(root.join(corpus::COMPLETE)) {
        corpus::write_book_toml(root)?;
        println!("{n} runbooks already in {dir} ({} bytes)", bytes.trim());
        return Ok(());
    }
    let bytes = corpus::write(root, n, seed)?;
    println!(
        "{n} runbooks, {:.1} MB, seed {seed}, in {dir}",
        bytes as f64 / 1e6
    );
    Ok(())
}
