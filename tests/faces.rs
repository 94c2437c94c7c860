//! One pipeline, three faces: the same settings and input through the
//! command-line tool (`custodia run`), the Rust API (`Pipeline::run`,
//! `Pipeline::link`) and the C API (`custodia_pipeline_run`, `_link`, from
//! a C program) give byte-identical rows, rejects, pairs and golden
//! records.

use std::path::{Path, PathBuf};
use std::process::Command;

use custodia::mask::KeyRing;
use custodia::pipeline::{Outputs, PipelineConfig, Side};

use crate::c_abi::{NATIVE_LIBS, library_dir};
use crate::cli::{custodia, root, scratch, text};

/// A CRM export as it comes: spaced headers, a column outside the schema,
/// all-caps names, national phone formats, a bad email, a row that is not
/// UTF-8, a stray quote.
const CRM: &str = "customer_id , Full Name ,email,phone,country,birth_date,updated_at,notes\n\
c1,ROBERT SMITH,bob.smith@example.com,(415) 555-0101,US,1980-04-02,2024-01-01,vip\n\
c2,Bob Smith,BOB.SMITH@example.com,+1 415 555 0101,US,1980-04-02,2025-05-05,\n\
c3,Alice Jones,alice@example.org,+1 212 555 0199,US,1975-11-30,2023-03-03,\"call\nafter 5\"\n\
c4,Alice Jones,alice.jones@example,+1 212 555 0199,US,1975-11-30,2024-12-24,\n\
c5,张伟,zhang.wei@example.com,138 0013 8000,CN,1985-03-14,2024-02-02,\n\
c6,\"Wei Zhang,zhang.wei@example.com,,CN,,,\n\
c7,Maria Garcia,maria@example.es,,ES,1988-07-14,2022-01-01,\n";

/// The billing system's export of some of the same customers.
const BILLING: &str = "customer_id,full_name,email,phone,country\n\
b1,Robert Smith,bob.smith@example.com,4155550101,US\n\
b2,Zhang Wei,zhang.wei@example.com,+86 138 0013 8000,CN\n\
b3,Hans Müller,hans@example.de,,DE\n";

fn settings(steps: &str, extra: &str) -> String {
    format!(
        r#"{{"map": {{"Full Name": "full_name"}}, "steps": [{steps}]{extra},
            "sources": {{"billing": {{"map": {{}}}}}},
            "dedupe": {{"config": {{"threshold": 0.9}}}}}}"#
    )
}

/// Compiles the C tool that runs a pipeline through the C API.
fn c_tool() -> PathBuf {
    // Built once: tests run in parallel, and rewriting the program while
    // another test runs it fails ("text file busy").
    static TOOL: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    TOOL.get_or_init(|| {
        let exe = library_dir().join("c-tests").join("run_pipeline");
        std::fs::create_dir_all(exe.parent().unwrap()).unwrap();
        let status = Command::new("cc")
            .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-I"])
            .arg(root().join("include"))
            .arg(root().join("tests/c/tools/run_pipeline.c"))
            .arg(library_dir().join("libcustodia.a"))
            .args(NATIVE_LIBS)
            .arg("-o")
            .arg(&exe)
            .status()
            .unwrap();
        assert!(status.success());
        exe
    })
    .clone()
}

/// The four outputs of one face.
#[derive(Debug, PartialEq, Eq)]
struct Written {
    rows: Vec<u8>,
    rejects: Vec<u8>,
    pairs: Vec<u8>,
    golden: Vec<u8>,
}

fn read_all(dir: &Path) -> Written {
    let read = |name: &str| std::fs::read(dir.join(name)).unwrap_or_default();
    Written {
        rows: read("rows"),
        rejects: read("rejects"),
        pairs: read("pairs"),
        golden: read("golden"),
    }
}

/// Runs `settings` on `input` (and `right`, to link) through all three
/// faces and checks they agree; returns what they wrote.
fn three_faces(name: &str, settings: &str, keys: Option<&str>, right: Option<&str>) -> Written {
    let dir = scratch(&format!("faces-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    for face in ["cli", "c"] {
        std::fs::create_dir_all(dir.join(face)).unwrap();
    }
    std::fs::write(dir.join("crm.csv"), CRM).unwrap();
    std::fs::write(dir.join("billing.csv"), BILLING).unwrap();
    std::fs::write(dir.join("settings.json"), settings).unwrap();

    // The command-line tool: the settings plus where things go.
    let mut file: serde_json::Value = serde_json::from_str(settings).unwrap();
    let object = file.as_object_mut().unwrap();
    object.insert("output".into(), "cli/rows".into());
    object.insert("rejects".into(), "cli/rejects".into());
    object.insert("quiet".into(), true.into());
    if let Some(serde_json::Value::Object(d)) = object.get_mut("dedupe") {
        d.insert("pairs".into(), "cli/pairs".into());
        d.insert("golden".into(), "cli/golden".into());
    }
    if let (Some(keys), Some(serde_json::Value::Object(m))) = (keys, object.get_mut("mask")) {
        std::fs::write(dir.join("keys.json"), keys).unwrap();
        m.insert("keys".into(), "keys.json".into());
    }
    if right.is_some() {
        let steps = object["steps"].as_array_mut().unwrap();
        for step in steps.iter_mut() {
            if step == "dedupe" {
                *step = "link".into();
            }
        }
        object.insert(
            "left".into(),
            serde_json::json!({"name": "crm", "input": "crm.csv"}),
        );
        object.insert(
            "right".into(),
            serde_json::json!({"name": "billing", "input": "billing.csv"}),
        );
    } else {
        object.insert("input".into(), "crm.csv".into());
    }
    let run_file = dir.join("run.json");
    std::fs::write(&run_file, file.to_string()).unwrap();
    let out = custodia(&["run", run_file.to_str().unwrap()], b"");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{name}: {}",
        text(&out.stderr)
    );
    let cli = read_all(&dir.join("cli"));

    // Rust.
    let mut ring = KeyRing::new();
    if let Some(keys) = keys {
        let map: std::collections::BTreeMap<String, String> = serde_json::from_str(keys).unwrap();
        for (id, hex) in map {
            let secret: Vec<u8> = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect();
            ring = ring.with(custodia::Key::new(id, &secret).unwrap());
        }
    }
    let config = PipelineConfig::from_json(settings).unwrap();
    let (pipeline, options) = config.build(ring).unwrap();
    let (mut rows, mut rejects, mut pairs, mut golden) = (vec![], vec![], vec![], vec![]);
    let outputs = Outputs::new(&mut rows)
        .rejects(&mut rejects)
        .pairs(&mut pairs)
        .golden(&mut golden);
    match right {
        None => pipeline.run(&options, CRM.as_bytes(), outputs, None),
        Some(right) => pipeline.link(
            Side {
                name: "crm",
                options: &config.options_for("crm").unwrap(),
                input: CRM.as_bytes(),
            },
            Side {
                name: "billing",
                options: &config.options_for("billing").unwrap(),
                input: right.as_bytes(),
            },
            outputs,
            None,
        ),
    }
    .unwrap();
    let rust = Written {
        rows,
        rejects,
        pairs,
        golden,
    };
    assert_eq!(rust, cli, "{name}: Rust and the CLI differ");

    // C (masking keys are not passed by this tool: only keyless settings).
    if keys.is_none() {
        let mut c = Command::new(c_tool());
        c.arg(dir.join("settings.json"))
            .arg(dir.join("c"))
            .arg(dir.join("crm.csv"));
        if right.is_some() {
            c.args(["crm", "billing"]).arg(dir.join("billing.csv"));
        }
        let out = c.output().unwrap();
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        assert_eq!(
            read_all(&dir.join("c")),
            cli,
            "{name}: C and the CLI differ"
        );
    }
    cli
}

#[test]
#[cfg_attr(miri, ignore)]
fn clean_is_the_same_from_every_face() {
    let written = three_faces("clean", &settings("\"clean\"", ""), None, None);
    let rows = String::from_utf8(written.rows).unwrap();
    assert!(
        rows.starts_with("\"customer_id \",\" Full Name \",email"),
        "{rows}"
    );
    assert!(
        rows.contains("c1,Robert Smith,bob.smith@example.com,+14155550101"),
        "{rows}"
    );
    assert!(
        rows.contains(",vip,2\n"),
        "columns outside the schema pass through"
    );
    let rejects = String::from_utf8_lossy(&written.rejects).into_owned();
    assert!(rejects.contains("unterminated_quote"), "{rejects}");
    assert!(
        rejects.contains("email_domain") || rejects.contains("email_syntax"),
        "{rejects}"
    );
}

#[test]
#[cfg_attr(miri, ignore)]
fn dedupe_and_golden_records_are_the_same_from_every_face() {
    let written = three_faces("dedupe", &settings("\"clean\", \"dedupe\"", ""), None, None);
    assert!(!written.pairs.is_empty() && !written.golden.is_empty());
    let rows = String::from_utf8(written.rows).unwrap();
    assert!(
        rows.contains(",3,2\n"),
        "the two Bob Smiths are one customer: {rows}"
    );
}

#[test]
#[cfg_attr(miri, ignore)]
fn link_is_the_same_from_every_face() {
    let written = three_faces(
        "link",
        &settings("\"clean\", \"dedupe\"", ""),
        None,
        Some(BILLING),
    );
    let rows = String::from_utf8(written.rows).unwrap();
    assert!(rows.contains(",billing,2,crm:2\n"), "{rows}");
}

#[test]
#[cfg_attr(miri, ignore)]
fn masking_is_the_same_from_the_cli_and_rust() {
    let keys = r#"{"pseudonym": "000102030405060708090a0b0c0d0e0f", "token": "101112131415161718191a1b1c1d1e1f"}"#;
    for audience in ["support", "analytics"] {
        let extra = format!(r#", "mask": {{"audience": "{audience}"}}"#);
        let written = three_faces(
            &format!("mask-{audience}"),
            &settings("\"clean\", \"dedupe\", \"mask\"", &extra),
            Some(keys),
            None,
        );
        let rows = String::from_utf8(written.rows).unwrap();
        assert!(
            !rows.contains("bob.smith@example.com") && !rows.contains("vip"),
            "{rows}"
        );
    }
}
