//! `runbook import`: a Backstage catalog or an inventory export becomes runbooks from the
//! template; what the source cannot know (who runs the servers) fails `runbook check` until a
//! person decides; an existing runbook is never touched, only compared; bad input names its file
//! and line and leaves the knowledge base exactly as it was.

use crate::harness::{Kb, fingerprint};

const CATALOG: &str = r#"apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: billing
  title: Billing portal
  description: >
    Customer invoicing web application
    used by Finance.
  tags: [php, mysql]
  links:
    - url: https://billing.example.com
      title: Portal
  annotations:
    github.com/project-slug: acme/billing
    pagerduty.com/service-id: PBILL42
spec:
  type: website
  lifecycle: production
  owner: group:default/team-payments
  system: finance
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: billing-api
spec:
  type: openapi
  owner: team-payments
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: payments-db
  description: The payments PostgreSQL cluster.
spec:
  type: database
  owner: team-payments
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: invoices-bucket
spec:
  type: s3-bucket
  owner: team-payments
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-payments
spec:
  type: team
  children: []
"#;

/// A knowledge base with the example template and `name` holding `text` beside it.
fn kb_with_input(name: &str, text: &str) -> Kb {
    let kb = Kb::with(&[]);
    std::fs::write(kb.root().join(name), text).expect("write input");
    kb
}

/// `runbook import ARGS...` run in the knowledge base's root, where the inputs are.
fn import(kb: &Kb, args: &[&str]) -> std::process::Output {
    let mut all = vec!["import"];
    all.extend(args);
    kb.cmd(&all).current_dir(kb.root()).output().expect("run")
}

/// An import that must succeed: what it printed.
fn imported(kb: &Kb, args: &[&str]) -> String {
    let out = import(kb, args);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

/// An import that must fail as a usage error (exit 2), saying `expected`.
fn refused(kb: &Kb, args: &[&str], expected: &str) -> String {
    let out = import(kb, args);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stdout(&out));
    let said = stderr(&out);
    assert!(
        said.contains(expected),
        "{args:?}: expected {expected:?} in {said}"
    );
    said
}

fn runbook_text(kb: &Kb, path: &str) -> String {
    std::fs::read_to_string(kb.runbook_path(path)).expect("runbook written")
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The 1-based line of the first line of `text` starting with `prefix`.
fn line_of(text: &str, prefix: &str) -> usize {
    text.lines()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?} in:\n{text}"))
        + 1
}

#[test]
fn components_and_server_resources_become_runbooks_and_other_kinds_are_counted() {
    let kb = kb_with_input("catalog-info.yaml", CATALOG);
    let said = imported(&kb, &["backstage", "catalog-info.yaml"]);
    assert!(
        said.contains("created runbooks/billing.md (from catalog-info.yaml:1)"),
        "{said}"
    );
    assert!(said.contains("created runbooks/payments-db.md"), "{said}");
    assert!(
        said.contains(
            "skipped 3 catalog entities of other kinds: API 1, Group 1, Resource (s3-bucket) 1"
        ),
        "{said}"
    );
    assert!(!kb.runbook_path("billing-api.md").exists());
    assert!(!kb.runbook_path("invoices-bucket.md").exists());

    let billing = kb.json(&["show", "billing", "--json"]);
    assert_eq!(billing["title"], "Billing portal", "{billing}");
    assert_eq!(
        billing["summary"], "Customer invoicing web application used by Finance.",
        "{billing}"
    );
    assert_eq!(billing["owner"], "team-payments", "{billing}");
    assert_eq!(billing["system"], "finance", "{billing}");
    assert_eq!(billing["lifecycle"], "production", "{billing}");
    assert_eq!(billing["tags"], serde_json::json!(["php", "mysql"]));
    assert_eq!(
        billing["urls"],
        serde_json::json!(["https://billing.example.com"])
    );
    assert_eq!(
        billing["extra"]["annotations"]["pagerduty.com/service-id"], "PBILL42",
        "{billing}"
    );
    assert!(billing["hosting"].is_null(), "undecided: {billing}");

    let db = kb.json(&["show", "payments-db", "--json"]);
    assert_eq!(db["title"], "payments-db", "the name stands in for a title");
}

#[test]
fn an_imported_runbook_fails_check_on_its_hosting_line_until_someone_decides() {
    let kb = kb_with_input("catalog-info.yaml", CATALOG);
    imported(&kb, &["backstage", "catalog-info.yaml"]);
    let text = runbook_text(&kb, "billing.md");
    let hosting_line = line_of(&text, "hosting:");

    let out = kb.cmd(&["check"]).output().expect("check");
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let expected = format!("runbooks/billing.md:{hosting_line}: error[invalid-hosting]");
    assert!(
        stdout(&out).contains(&expected),
        "{expected} in:\n{}",
        stdout(&out)
    );

    for app in ["billing", "payments-db"] {
        let path = format!("{app}.md");
        let text = runbook_text(&kb, &path);
        let line = line_of(&text, "hosting:");
        let decided: Vec<&str> = text
            .lines()
            .enumerate()
            .map(|(i, l)| if i + 1 == line { "hosting: self" } else { l })
            .collect();
        kb.write(&path, &(decided.join("\n") + "\n"));
    }
    let out = kb.cmd(&["check"]).output().expect("check");
    assert_eq!(
        out.status.code(),
        Some(0),
        "only warnings (TODOs) are left:\n{}",
        stdout(&out)
    );
}

#[test]
fn an_existing_runbook_is_left_as_it_is_and_its_differences_are_listed() {
    let kb = kb_with_input("catalog-info.yaml", CATALOG);
    kb.write(
        "finance/invoicing.md",
        "---\ntitle: Billing portal\napp: billing\nhosting: self\nowner: team-finance\n\
         tags: [php]\n---\n# Billing\n\n## Login\n\nssh billing01\n",
    );
    let before = fingerprint(&kb.root().join("runbooks"));

    let out = import(&kb, &["backstage", "catalog-info.yaml", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let kept = &report["existing"][0];
    assert_eq!(kept["app"], "billing", "{report}");
    assert_eq!(kept["path"], "runbooks/finance/invoicing.md", "{report}");
    let differences = kept["differences"].as_array().expect("differences");
    assert!(
        differences.contains(&serde_json::json!(
            {"key": "owner", "runbook": "team-finance", "source": "team-payments"}
        )),
        "{report}"
    );
    assert!(
        differences.contains(&serde_json::json!(
            {"key": "tags", "runbook": "php", "source": "also mysql"}
        )),
        "{report}"
    );
    assert_eq!(report["written"][0]["path"], "runbooks/payments-db.md");

    let after = fingerprint(&kb.root().join("runbooks"));
    let changed: Vec<_> = after
        .iter()
        .filter(|(path, what)| before.get(*path) != Some(what))
        .map(|(path, _)| path.clone())
        .collect();
    assert_eq!(
        changed,
        vec![kb.runbook_path("payments-db.md")],
        "only the new runbook is written"
    );

    let text = import(&kb, &["backstage", "catalog-info.yaml"]);
    let said = stdout(&text);
    assert!(
        said.contains("kept runbooks/finance/invoicing.md (billing exists; never overwritten): differs from the catalog:"),
        "{said}"
    );
    assert!(
        said.contains("owner: the runbook says \"team-finance\", the catalog \"team-payments\""),
        "{said}"
    );
    assert!(
        said.contains("kept runbooks/payments-db.md (payments-db exists; never overwritten): agrees with the catalog"),
        "a second import changes nothing: {said}"
    );
}

#[test]
fn a_dry_run_prints_the_runbooks_and_writes_nothing() {
    let kb = kb_with_input("catalog-info.yaml", CATALOG);
    let before = fingerprint(kb.root());
    let said = imported(&kb, &["backstage", "--dry-run", "catalog-info.yaml"]);
    assert!(
        said.contains("would write runbooks/billing.md (from catalog-info.yaml:1):"),
        "{said}"
    );
    assert!(said.contains("    owner: \"team-payments\""), "{said}");
    assert!(
        said.contains("would write 2 runbooks, kept 0 existing."),
        "{said}"
    );
    assert_eq!(before, fingerprint(kb.root()), "nothing written");
}

#[test]
fn bad_catalog_input_names_the_file_and_line_and_writes_nothing() {
    let kb = kb_with_input("catalog-info.yaml", CATALOG);
    std::fs::write(
        kb.root().join("broken.yaml"),
        "kind: Component\nmetadata:\n  name: fine\n---\nkind: Component\nmetadata:\n  title: No name\nspec: {}\n",
    )
    .expect("write");
    std::fs::write(
        kb.root().join("not-yaml.yaml"),
        "kind: Component\nmetadata: [unclosed\n",
    )
    .expect("write");
    std::fs::write(
        kb.root().join("twice.yaml"),
        "kind: Component\nmetadata:\n  name: billing\n",
    )
    .expect("write");
    let before = fingerprint(kb.root());
    for (files, expected) in [
        (
            vec!["catalog-info.yaml", "broken.yaml"],
            "broken.yaml:5: Component has no `metadata.name`",
        ),
        (
            vec!["not-yaml.yaml"],
            "not-yaml.yaml:2: not a YAML catalog file",
        ),
        (
            vec!["catalog-info.yaml", "twice.yaml"],
            "twice.yaml:1: \"billing\" is already defined at catalog-info.yaml:1",
        ),
        (vec!["missing.yaml"], "missing.yaml: "),
    ] {
        let mut args = vec!["backstage"];
        args.extend(&files);
        refused(&kb, &args, expected);
    }
    assert_eq!(before, fingerprint(kb.root()), "nothing half-written");
}

const INVENTORY: &str = "\
app,title,owner,hosting,summary,host,ip,role,url,vendor,vendor_phone,tags
ledgerline,Ledgerline,team-finance-apps,self,General ledger.,ledger01.prod.example.com,10.44.7.19,app,https://ledger.example.com,Ledgerline Software Ltd,+44 20 7946 0950,java;oracle
ledgerline,,,,,ledger-db01.prod.example.com,10.44.7.20,db,,,,oracle
crm,Customer CRM,team-sales,saas,,,,,https://crm.example.com,,,
";

#[test]
fn an_inventory_export_becomes_runbooks_with_every_server() {
    let kb = kb_with_input("inventory.csv", INVENTORY);
    let out = import(&kb, &["csv", "inventory.csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("created runbooks/ledgerline.md (from inventory.csv:2)"),
        "{}",
        stdout(&out)
    );

    let ledger = kb.json(&["show", "10.44.7.20", "--json"]);
    assert_eq!(
        ledger["app"], "ledgerline",
        "found by its second server's IP"
    );
    assert_eq!(ledger["hosting"], "self");
    assert_eq!(ledger["servers"].as_array().map(Vec::len), Some(2));
    assert_eq!(ledger["servers"][1]["role"], "db");
    assert_eq!(ledger["vendor"]["name"], "Ledgerline Software Ltd");
    assert_eq!(ledger["vendor"]["phone"], "+44 20 7946 0950");
    assert_eq!(ledger["tags"], serde_json::json!(["java", "oracle"]));
    let crm = kb.json(&["show", "crm", "--json"]);
    assert_eq!(crm["hosting"], "saas");
    assert_eq!(crm["owner"], "team-sales");

    let check = kb.cmd(&["check"]).output().expect("check");
    assert_eq!(
        check.status.code(),
        Some(0),
        "an inventory that says who hosts passes check:\n{}",
        stdout(&check)
    );
}

#[test]
fn a_bad_inventory_names_its_row_and_writes_nothing() {
    let kb = kb_with_input("inventory.csv", INVENTORY);
    for (text, expected) in [
        (
            format!("{INVENTORY}crm,,team-marketing,,,,,,,,,\n"),
            "inventory.csv:5: app \"crm\": owner \"team-marketing\" conflicts with \"team-sales\" on line 4",
        ),
        (
            "app,owner,colour\nx,team-a,red\n".to_string(),
            "inventory.csv:1: unknown column \"colour\" (column 3)",
        ),
    ] {
        std::fs::write(kb.root().join("inventory.csv"), &text).expect("write");
        let before = fingerprint(&kb.root().join("runbooks"));
        refused(&kb, &["csv", "inventory.csv"], expected);
        assert_eq!(before, fingerprint(&kb.root().join("runbooks")));
    }
}
