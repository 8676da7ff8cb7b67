//! A synthetic knowledge base for benchmarks: N realistic runbooks (front matter with servers,
//! contacts and vendors; Login, Escalation, Common problems, Restart and Backups sections with
//! code blocks), reproducible from a seed.
//!
//! Sizes follow the real collections in `../shared/corpora/` (gitlab-runbooks: median 2.7 KB,
//! a long tail to tens of KB). The generator has its own small PRNG (SplitMix64) so the same
//! seed gives the same bytes on every machine and with every dependency version.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::Path;

/// SplitMix64: tiny, fast, and stable forever (unlike a library RNG whose stream may change).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const PREFIXES: &[&str] = &[
    "acme", "blue", "core", "delta", "echo", "fleet", "giga", "harbor", "iron", "jade", "kilo",
    "lumen", "metro", "nova", "orbit", "polar", "quartz", "river", "solar", "terra", "ultra",
    "vector", "willow", "xenon", "yonder", "zephyr",
];
const KINDS: &[&str] = &[
    "billing",
    "ledger",
    "payroll",
    "crm",
    "wiki",
    "ticketing",
    "portal",
    "gateway",
    "queue",
    "warehouse",
    "reporting",
    "auth",
    "search",
    "mail",
    "files",
    "inventory",
    "pricing",
    "scheduler",
    "monitoring",
    "vpn",
    "erp",
    "hr",
    "analytics",
    "catalog",
    "checkout",
];
const TEAMS: &[&str] = &[
    "team-payments",
    "team-finance-apps",
    "team-platform",
    "team-infra",
    "team-web",
    "team-logistics",
    "team-people-systems",
    "team-sales-apps",
    "team-workplace",
    "team-data",
    "team-identity",
    "team-network",
    "team-service-desk",
    "team-security",
    "team-mobile",
];
const HOSTING: &[&str] = &["self", "self", "self", "vendor", "saas", "hybrid"];
const SYSTEMS: &[&str] = &[
    "finance",
    "sales",
    "operations",
    "people",
    "logistics",
    "platform",
];
const TAGS: &[&str] = &[
    "php",
    "java",
    "python",
    "go",
    "postgres",
    "mysql",
    "oracle",
    "redis",
    "kafka",
    "nginx",
    "tomcat",
    "kubernetes",
    "sidekiq",
    "rabbitmq",
    "elasticsearch",
    "s3",
    "ldap",
    "saml",
];
const VENDORS: &[&str] = &[
    "Acme Software Ltd",
    "Globex Systems",
    "Initech",
    "Umbrella Cloud",
    "Stark Solutions",
    "Wayne Data",
    "Hooli",
    "Vandelay Industries",
    "Soylent Apps",
    "Tyrell Computing",
];
const SYMPTOMS: &[&str] = &[
    "Users get 502 Bad Gateway",
    "Login fails with \"session expired\"",
    "Jobs stuck in the queue",
    "Disk full on the application server",
    "Reports are empty",
    "Emails are not sent",
    "Slow page loads after deploy",
    "Certificate expired",
    "Database connection pool exhausted",
    "ORA-00942: table or view does not exist",
    "Replication lag on the replica",
    "Out of memory: container restarts",
    "Nightly import rejected",
    "Search results are stale",
    "SSO redirect loop",
];
const WORDS: &[&str] = &[
    "the",
    "service",
    "check",
    "restart",
    "server",
    "database",
    "queue",
    "worker",
    "backup",
    "log",
    "error",
    "timeout",
    "connection",
    "user",
    "login",
    "password",
    "vault",
    "config",
    "deploy",
    "release",
    "rollback",
    "cache",
    "disk",
    "memory",
    "cpu",
    "load",
    "balancer",
    "certificate",
    "proxy",
    "upstream",
    "latency",
    "alert",
    "dashboard",
    "metric",
    "replica",
    "primary",
    "failover",
    "snapshot",
    "restore",
    "schema",
    "migration",
    "index",
    "table",
    "cron",
    "job",
    "batch",
    "import",
    "export",
    "file",
    "bucket",
    "token",
    "session",
    "cookie",
    "request",
    "response",
    "status",
    "health",
    "endpoint",
    "api",
    "client",
    "vendor",
    "contract",
    "escalate",
    "on-call",
    "ticket",
    "incident",
    "customer",
    "invoice",
    "order",
    "payment",
    "report",
    "nightly",
    "weekly",
    "retry",
    "dead",
    "letter",
    "consumer",
    "producer",
    "partition",
    "offset",
    "lag",
    "throughput",
    "capacity",
    "quota",
    "limit",
    "firewall",
    "network",
    "dns",
    "resolver",
    "route",
    "vpn",
    "ssh",
    "key",
    "permission",
    "role",
    "group",
    "owner",
    "team",
    "window",
    "maintenance",
    "change",
    "approval",
    "runbook",
    "step",
    "verify",
    "confirm",
    "wait",
    "minutes",
    "hours",
    "after",
    "before",
    "when",
    "then",
    "if",
    "not",
    "only",
    "always",
    "never",
    "usually",
    "first",
    "second",
    "again",
    "manually",
    "safely",
];

/// One generated runbook: its path inside the runbook folder and its text.
pub struct GeneratedRunbook {
    pub path: String,
    pub text: String,
}

/// Syllables for the long tail of the vocabulary: product names, jargon, identifiers.
const SYLLABLES: &[&str] = &[
    "ka", "lo", "mer", "tin", "dra", "vex", "sol", "qui", "nor", "bel", "fax", "gri", "hum", "jor",
    "pel", "ras", "sta", "tor", "ul", "vin", "wex", "yar", "zen", "cor", "dex",
];

/// A word as real text has them: mostly common operations words, with a Zipf-like long tail of
/// rarer ones, so that a query word matches a realistic share of runbooks.
fn word(rng: &mut Rng) -> String {
    if rng.chance(70) {
        return rng.pick(WORDS).to_string();
    }
    // cubing a uniform number skews towards the front of a 15,625-word tail
    let u = rng.below(1_000_000) as f64 / 1_000_000.0;
    let mut n = (u * u * u * 15_625.0) as usize;
    let mut w = String::new();
    for _ in 0..3 {
        w.push_str(SYLLABLES[n % SYLLABLES.len()]);
        n /= SYLLABLES.len();
    }
    w
}

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(&word(rng));
    }
    if let Some(first) = s.get(..1) {
        let upper = first.to_uppercase();
        s.replace_range(..1, &upper);
    }
    s.push('.');
    s
}

fn paragraph(rng: &mut Rng, sentences: usize) -> String {
    (0..sentences)
        .map(|_| {
            let n = 6 + rng.below(12);
            sentence(rng, n)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Generates runbook number `i` of a corpus made from `seed`.
pub fn runbook(seed: u64, i: usize) -> GeneratedRunbook {
    let mut rng = Rng::new(seed ^ (i as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
    let kind = rng.pick(KINDS);
    let app = format!("{}-{kind}-{i}", rng.pick(PREFIXES));
    let title = format!(
        "{} {} {i}",
        capitalize(rng.pick(PREFIXES)),
        capitalize(kind)
    );
    let hosting = rng.pick(HOSTING);
    let owner = rng.pick(TEAMS);
    let octet2 = rng.below(250);
    let octet3 = rng.below(250);
    let servers = 1 + rng.below(4);
    // a long tail of sizes: most runbooks have a few problems, some have many
    let problems = match rng.below(100) {
        0..=59 => 2 + rng.below(3),
        60..=89 => 5 + rng.below(5),
        _ => 10 + rng.below(20),
    };

    let mut t = String::with_capacity(4096);
    let _ = writeln!(t, "---\ntitle: {title}\napp: {app}");
    let _ = writeln!(t, "aliases: [{}, {kind} {i}]", rng.pick(PREFIXES));
    let _ = writeln!(t, "summary: {}", sentence(&mut rng, 10));
    let _ = writeln!(
        t,
        "hosting: {hosting}\nowner: {owner}\nsystem: {}",
        rng.pick(SYSTEMS)
    );
    let _ = writeln!(t, "lifecycle: production\ntier: {}", 1 + rng.below(3));
    let _ = writeln!(t, "tags: [{}, {}]", rng.pick(TAGS), rng.pick(TAGS));
    t.push_str("servers:\n");
    for s in 0..servers {
        let _ = writeln!(
            t,
            "  - host: {kind}{s:02}-{i}.prod.example.com\n    ip: 10.{octet2}.{octet3}.{}\n    role: {}",
            10 + s,
            ["app", "db", "worker", "web"][s % 4]
        );
    }
    let _ = writeln!(t, "urls: [https://{app}.example.com]");
    let _ = writeln!(
        t,
        "contacts:\n  - role: on-call\n    name: {owner} on-call\n    phone: \"+44 20 7946 {:04}\"\n    hours: 24x7",
        rng.below(10000)
    );
    if hosting != "self" || rng.chance(50) {
        let _ = writeln!(
            t,
            "vendor:\n  name: {}\n  phone: \"+1 555 01{:02}\"\n  contract: C-{}\n  call_when: {}",
            rng.pick(VENDORS),
            rng.below(100),
            rng.below(100_000),
            sentence(&mut rng, 8)
        );
    }
    let _ = writeln!(
        t,
        "reviewed: 2026-{:02}-{:02}\nreview_every_days: 180\n---",
        1 + rng.below(12),
        1 + rng.below(28)
    );
    let _ = writeln!(t, "# {title}\n\n{}\n", paragraph(&mut rng, 3));
    let _ = writeln!(
        t,
        "## Login\n\n1. Connect to the VPN.\n2. SSH to the server:\n   ```sh\n   ssh ops@{kind}00-{i}.prod.example.com\n   sudo -iu {kind}\n   systemctl status {app}\n   ```\n3. The password is in Vault at `secret/ops/{app}`.\n"
    );
    let _ = writeln!(t, "## Escalation\n\n{}\n", paragraph(&mut rng, 2));
    t.push_str("## Common problems\n\n");
    for _ in 0..problems {
        let symptom = rng.pick(SYMPTOMS);
        let sentences = 2 + rng.below(4);
        let _ = writeln!(t, "### {symptom}\n\n{}\n", paragraph(&mut rng, sentences));
        if rng.chance(60) {
            let _ = writeln!(
                t,
                "```sh\njournalctl -u {app} --since \"1 hour ago\" | grep -i {}\ntail -n 200 /var/log/{kind}/{app}.log\n```\n",
                word(&mut rng)
            );
        }
    }
    let _ = writeln!(
        t,
        "## Restart\n\n```sh\nsudo systemctl restart {app}\ncurl -fsS https://{app}.example.com/healthz\n```\n\n{}\n",
        paragraph(&mut rng, 1)
    );
    let _ = writeln!(t, "## Backups\n\n{}\n", paragraph(&mut rng, 2));
    GeneratedRunbook {
        path: format!("{kind}/{app}.md"),
        text: t,
    }
}

fn capitalize(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Name of the file marking a finished corpus; it holds the bytes of runbook text.
pub const COMPLETE: &str = ".complete";

/// Writes the corpus's `book.toml`: words-only search, since the figures measure the index and
/// the lexical search (what the sentence model adds is measured on its own, by
/// `examples/semantic_bench.rs`). Rewritten on every run, so a corpus generated before keeps up.
pub fn write_book_toml(root: &Path) -> std::io::Result<()> {
    std::fs::write(
        root.join("book.toml"),
        "[book]\ntitle = \"Synthetic runbooks\"\nsrc = \"runbooks\"\n\n[preprocessor.runbook]\nsemantic = false\n",
    )
}

/// Writes a knowledge base of `n` runbooks under `root` (`book.toml` and `runbooks/`), then the
/// [`COMPLETE`] marker. Returns the total bytes of runbook text.
pub fn write(root: &Path, n: usize, seed: u64) -> std::io::Result<u64> {
    std::fs::create_dir_all(root.join("runbooks"))?;
    write_book_toml(root)?;
    let mut bytes = 0;
    for i in 0..n {
        let rb = runbook(seed, i);
        let path = root.join("runbooks").join(&rb.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &rb.text)?;
        bytes += rb.text.len() as u64;
    }
    std::fs::write(root.join(COMPLETE), bytes.to_string())?;
    Ok(bytes)
}
