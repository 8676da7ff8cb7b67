//! `deploy/`: the scale-out story run for real. Two `serve --pull` replicas of one repository
//! behind HAProxy answer a pushed runbook and keep answering when one dies (`deploy/haproxy/
//! demo.sh`, all on loopback); the Kubernetes manifests pass `kubernetes-validate` and keep the
//! promises the README makes for them.
//!
//! Needs HAProxy, curl and git, and the PyPI `kubernetes-validate` (`.ci/run` installs them);
//! where one is missing its test says it is skipped (and fails under `CI`).

use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::harness::tools::{Tool, available};
use crate::harness::{free_port, repo, within};

const MANIFESTS: &str = "deploy/kubernetes/runbook.yaml";

#[test]
fn two_replicas_behind_haproxy_answer_a_push_and_survive_losing_one() {
    if !available(
        "two_replicas_behind_haproxy",
        &[
            Tool::new("haproxy", &["-v"], "apt-get install haproxy"),
            Tool::new("curl", &["--version"], "apt-get install curl"),
            Tool::new("git", &["--version"], "apt-get install git"),
        ],
    ) {
        return;
    }
    let requests = 40;
    let out = within(
        Duration::from_secs(420),
        "deploy/haproxy/demo.sh",
        move || {
            Command::new("bash")
                .arg(repo().join("deploy/haproxy/demo.sh"))
                .env("RUNBOOK", env!("CARGO_BIN_EXE_runbook"))
                .env("LB_PORT", free_port().to_string())
                .env("REPLICA1_PORT", free_port().to_string())
                .env("REPLICA2_PORT", free_port().to_string())
                .env("PULL_SECS", "1")
                .env("REQUESTS", requests.to_string())
                .env("NO_COLOR", "1")
                .env_remove("RUNBOOK_ROOT")
                .env_remove("RUNBOOK_INDEX_DIR")
                .env_remove("DEMO_DIR")
                .output()
                .expect("run demo.sh")
        },
    );
    let said = String::from_utf8_lossy(&out.stdout);
    let errors = String::from_utf8_lossy(&out.stderr);
    println!("{said}");
    assert!(out.status.success(), "demo.sh failed:\n{said}\n{errors}");
    for line in [
        "== replica1 answers zanzibar01 through the balancer",
        "== replica2 answers zanzibar01 through the balancer",
        &format!("== {requests}/{requests} requests answered after replica1 was killed"),
        "== all steps held",
    ] {
        assert!(said.contains(line), "{line:?} missing from:\n{said}");
    }
}

#[test]
fn the_kubernetes_manifests_pass_kubernetes_validate() {
    if !available(
        "kubernetes_validate",
        &[Tool::new(
            "kubernetes-validate",
            &["--version"],
            "pip install kubernetes-validate",
        )],
    ) {
        return;
    }
    let out = Command::new("kubernetes-validate")
        .args(["--strict", MANIFESTS])
        .current_dir(repo())
        .output()
        .expect("run kubernetes-validate");
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    for resource in [
        "deployment/runbook",
        "service/runbook",
        "poddisruptionbudget/runbook",
    ] {
        assert!(
            said.contains(&format!("passed for resource {resource}")),
            "{said}"
        );
    }
}

/// The manifests' documents, by kind.
fn manifests() -> Vec<Value> {
    let text = std::fs::read_to_string(repo().join(MANIFESTS)).expect("manifests");
    serde_saphyr::from_multiple(&text).expect("manifests are YAML")
}

fn of_kind<'a>(documents: &'a [Value], kind: &str) -> &'a Value {
    documents
        .iter()
        .find(|d| d["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {MANIFESTS}"))
}

#[test]
fn the_deployment_runs_replicas_that_probe_healthz_as_non_root_on_a_read_only_root() {
    let documents = manifests();
    let deployment = of_kind(&documents, "Deployment");
    let spec = &deployment["spec"];
    assert!(spec["replicas"].as_u64() >= Some(2), "{spec}");
    let pod = &spec["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true, "{pod}");

    let containers = pod["containers"].as_array().expect("containers");
    let init = pod["initContainers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for container in containers.iter().chain(&init) {
        let name = &container["name"];
        let security = &container["securityContext"];
        assert_eq!(security["readOnlyRootFilesystem"], true, "{name}");
        assert_eq!(security["allowPrivilegeEscalation"], false, "{name}");
        let limits = &container["resources"]["limits"];
        assert!(
            limits["cpu"].is_string() && limits["memory"].is_string(),
            "{name}: {limits}"
        );
    }
    let server = containers
        .iter()
        .find(|c| c["name"] == "runbook")
        .expect("the runbook container");
    for probe in ["readinessProbe", "livenessProbe"] {
        assert_eq!(server[probe]["httpGet"]["path"], "/healthz", "{probe}");
    }
    let args: Vec<&str> = server["args"]
        .as_array()
        .expect("args")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        args.windows(2).any(|w| w[0] == "--pull"),
        "replicas keep in step with the repository: {args:?}"
    );

    let pdb = of_kind(&documents, "PodDisruptionBudget");
    assert_eq!(pdb["spec"]["minAvailable"], 1);
    let labels = &spec["template"]["metadata"]["labels"];
    assert_eq!(pdb["spec"]["selector"]["matchLabels"], *labels);
    assert_eq!(of_kind(&documents, "Service")["spec"]["selector"], *labels);
}
