//! Reading an inventory export (a CMDB report, a spreadsheet saved as CSV): one row per server,
//! its header naming the columns it has.
//!
//! Rows with the same `app` are one application: each adds its server (`host`, `ip`, `role`),
//! URL and tags, while the facts about the application itself (`title`, `owner`, `hosting`,
//! `summary`, `vendor`, `vendor_phone`) must agree wherever they are filled in. An unknown column,
//! a bad value or a disagreement stops the import with the file and line of the row.

use std::collections::BTreeMap;
use std::path::Path;

use super::{ImportError, Imported, Origin, Source, check_app_id, read_input};
use runbook_core::runbook::Hosting;
use runbook_core::runbook::facts::{Server, Vendor};

/// Every column an inventory may have, in the order the README documents them.
pub const COLUMNS: [&str; 12] = [
    "app",
    "title",
    "owner",
    "hosting",
    "summary",
    "host",
    "ip",
    "role",
    "url",
    "vendor",
    "vendor_phone",
    "tags",
];

/// Reads one inventory file.
pub fn read(path: &Path) -> Result<Source, ImportError> {
    let (file, text) = read_input(path)?;
    let at = |line: u64| Origin {
        file: file.clone(),
        line,
    };
    let mut reader = ::csv::ReaderBuilder::new()
        .trim(::csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| ImportError::input(&at(csv_line(&e)), e.to_string()))?
        .clone();
    let columns = columns(&header, &at(1))?;

    let mut inventory = Inventory::default();
    for record in reader.records() {
        let record = record.map_err(|e| ImportError::input(&at(csv_line(&e)), e.to_string()))?;
        let line = record.position().map_or(0, ::csv::Position::line);
        let row = Row {
            columns: &columns,
            record: &record,
            origin: at(line),
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        inventory.add(&row)?;
    }
    Ok(inventory.into_source())
}

/// One row of the inventory, with where it is.
struct Row<'a> {
    columns: &'a BTreeMap<&'static str, usize>,
    record: &'a ::csv::StringRecord,
    origin: Origin,
}

impl Row<'_> {
    /// The row's value in column `name`, if it has that column and the cell is not empty.
    fn cell(&self, name: &str) -> Option<String> {
        self.columns
            .get(name)
            .and_then(|&index| self.record.get(index))
            .filter(|value| !value.is_empty())
            .map(str::to_string)
    }

    /// The row's `hosting`, if given; a value that is not a hosting is an error.
    fn hosting(&self) -> Result<Option<Hosting>, ImportError> {
        let Some(value) = self.cell("hosting") else {
            return Ok(None);
        };
        let hosting = Hosting::parse(&value).ok_or_else(|| {
            ImportError::input(
                &self.origin,
                format!("hosting {value:?} must be one of self, vendor, saas, hybrid"),
            )
        })?;
        Ok(Some(hosting))
    }
}

/// The applications read so far, by app id.
#[derive(Default)]
struct Inventory {
    apps: BTreeMap<String, Imported>,
    /// Where each application's facts were first given, to name both rows in a disagreement.
    first_said: BTreeMap<(String, &'static str), (String, u64)>,
}

impl Inventory {
    /// Adds one row to its application: its facts, server, URL and tags.
    fn add(&mut self, row: &Row) -> Result<(), ImportError> {
        let origin = &row.origin;
        let app_id = row
            .cell("app")
            .ok_or_else(|| ImportError::input(origin, "the `app` cell is empty"))?;
        check_app_id(&app_id, origin)?;
        let app = self.apps.entry(app_id.clone()).or_insert_with(|| Imported {
            app: app_id.clone(),
            origin: Some(origin.clone()),
            ..Imported::default()
        });
        let hosting = row.hosting()?;
        agree_on_facts(app, &mut self.first_said, row, hosting)?;
        if hosting.is_some() {
            app.hosting = hosting;
        }
        add_server(app, row)?;
        add_url_and_tags(app, row);
        Ok(())
    }

    /// The applications in the order of the file, as people read it.
    fn into_source(self) -> Source {
        let mut apps: Vec<Imported> = self.apps.into_values().collect();
        for app in &mut apps {
            if app
                .vendor
                .as_ref()
                .is_some_and(|v| v.name.is_none() && v.phone.is_none())
            {
                app.vendor = None;
            }
        }
        apps.sort_by_key(|a| a.origin.as_ref().map_or(0, |o| o.line));
        Source {
            apps,
            skipped: BTreeMap::new(),
        }
    }
}

/// Fills in the application's own facts from `row`; a value that disagrees with the one an
/// earlier row gave is an error naming both lines.
fn agree_on_facts(
    app: &mut Imported,
    first_said: &mut BTreeMap<(String, &'static str), (String, u64)>,
    row: &Row,
    hosting: Option<Hosting>,
) -> Result<(), ImportError> {
    let app_id = app.app.clone();
    let line = row.origin.line;
    let vendor = app.vendor.get_or_insert_with(Vendor::default);
    let facts: [(&'static str, Option<String>, &mut Option<String>); 6] = [
        ("title", row.cell("title"), &mut app.title),
        ("owner", row.cell("owner"), &mut app.owner),
        ("summary", row.cell("summary"), &mut app.summary),
        (
            "hosting",
            hosting.map(|h| h.as_str().to_string()),
            &mut None,
        ),
        ("vendor", row.cell("vendor"), &mut vendor.name),
        ("vendor_phone", row.cell("vendor_phone"), &mut vendor.phone),
    ];
    for (name, value, slot) in facts {
        let Some(value) = value else { continue };
        let said = first_said
            .entry((app_id.clone(), name))
            .or_insert_with(|| (value.clone(), line));
        if said.0 != value {
            return Err(ImportError::input(
                &row.origin,
                format!(
                    "app {app_id:?}: {name} {value:?} conflicts with {:?} on line {}",
                    said.0, said.1
                ),
            ));
        }
        *slot = Some(value);
    }
    Ok(())
}

/// Adds the row's server (`host`, `ip`, `role`) unless the application has it already.
fn add_server(app: &mut Imported, row: &Row) -> Result<(), ImportError> {
    let server = Server {
        host: row.cell("host"),
        ip: row.cell("ip"),
        role: row.cell("role"),
        ..Server::default()
    };
    if let Some(ip) = &server.ip
        && ip.parse::<std::net::IpAddr>().is_err()
    {
        return Err(ImportError::input(
            &row.origin,
            format!("ip {ip:?} is not an IP address"),
        ));
    }
    if server.host.is_some() || server.ip.is_some() {
        if !app.servers.contains(&server) {
            app.servers.push(server);
        }
    } else if server.role.is_some() {
        return Err(ImportError::input(
            &row.origin,
            "a role without a host or ip: say which server it is",
        ));
    }
    Ok(())
}

/// Adds the row's URL and tags (separated by `;` or `,`) that the application lacks.
fn add_url_and_tags(app: &mut Imported, row: &Row) {
    if let Some(url) = row.cell("url")
        && !app.urls.contains(&url)
    {
        app.urls.push(url);
    }
    for tag in row
        .cell("tags")
        .unwrap_or_default()
        .split([';', ','])
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        if !app.tags.iter().any(|t| t == tag) {
            app.tags.push(tag.to_string());
        }
    }
}

/// Each known column's position; an unknown or repeated column, or no `app`, is an error.
fn columns(
    header: &::csv::StringRecord,
    origin: &Origin,
) -> Result<BTreeMap<&'static str, usize>, ImportError> {
    let mut columns = BTreeMap::new();
    for (index, name) in header.iter().enumerate() {
        let Some(&known) = COLUMNS.iter().find(|c| c.eq_ignore_ascii_case(name)) else {
            return Err(ImportError::input(
                origin,
                format!(
                    "unknown column {name:?} (column {}); the columns are: {}",
                    index + 1,
                    COLUMNS.join(", ")
                ),
            ));
        };
        if columns.insert(known, index).is_some() {
            return Err(ImportError::input(
                origin,
                format!("column {known:?} appears twice"),
            ));
        }
    }
    if !columns.contains_key("app") {
        return Err(ImportError::input(
            origin,
            "no `app` column: every row must say which application it is about",
        ));
    }
    Ok(columns)
}

/// The line a CSV error is on (1 when the reader does not say).
fn csv_line(error: &::csv::Error) -> u64 {
    error.position().map_or(1, ::csv::Position::line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &str) -> Result<Source, ImportError> {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("inventory.csv");
        std::fs::write(&path, text).expect("write");
        read(&path)
    }

    #[test]
    fn rows_of_one_app_add_servers_and_keep_its_facts() {
        let source = read_text(
            "App,owner,hosting,host,ip,role,tags\n\
             billing,team-payments,self,billing01,10.0.4.21,app,php;mysql\n\
             billing,,,billing-db01,10.0.4.22,db,mysql\n",
        )
        .expect("reads");
        let billing = &source.apps[0];
        assert_eq!(billing.owner.as_deref(), Some("team-payments"));
        assert_eq!(billing.hosting, Some(Hosting::SelfHosted));
        assert_eq!(billing.servers.len(), 2);
        assert_eq!(billing.servers[1].role.as_deref(), Some("db"));
        assert_eq!(billing.tags, vec!["php", "mysql"]);
        assert_eq!(billing.vendor, None);
    }

    #[test]
    fn conflicting_rows_name_both_lines() {
        let err = read_text("app,owner\nbilling,team-a\nbilling,team-b\n")
            .expect_err("conflict")
            .to_string();
        assert!(err.contains("inventory.csv:3:"), "{err}");
        assert!(
            err.contains("\"team-b\" conflicts with \"team-a\" on line 2"),
            "{err}"
        );
    }

    #[test]
    fn bad_cells_are_errors_on_their_line() {
        for (text, expected) in [
            ("app,hosting\nx,onprem\n", ":2: hosting \"onprem\""),
            ("app,ip\nx,10.0.0.300\n", ":2: ip \"10.0.0.300\""),
            ("app,owner\n,team-a\n", ":2: the `app` cell is empty"),
            ("app,colour\nx,red\n", ":1: unknown column \"colour\""),
            ("owner\nteam-a\n", ":1: no `app` column"),
            ("app,owner\nx,a,b\n", ":2:"),
        ] {
            let err = read_text(text).expect_err(text).to_string();
            assert!(err.contains(expected), "{text:?}: {err}");
        }
    }
}
