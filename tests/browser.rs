//! The HTML pages in a real browser: headless Chromium (Debian's
//! `chromium`, which `.ci/run` installs) opens each page, and the test
//! checks that it renders without a console error or an exception, that
//! it fetches nothing but itself, that the charts are there, and takes a
//! screenshot. Chromium is driven over the DevTools protocol (a WebSocket).
//! A machine without Chromium fails these tests: set `CUSTODIA_CHROMIUM`
//! to the browser's path if it is not `chromium` on the `PATH`.
//!
//! `CUSTODIA_BLESS=1 cargo test --test integration browser` also writes
//! the README's screenshot, `docs/profile.png`, from the built-in sample.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use tungstenite::{Message, WebSocket};

use crate::cli::{custodia, root, scratch, text};

/// How long a page may take, start to screenshot.
const DEADLINE: Duration = Duration::from_secs(90);

/// A headless Chromium with one page, driven over the DevTools protocol.
struct Browser {
    child: Child,
    socket: WebSocket<TcpStream>,
    session: String,
    next_id: u64,
    /// Every event seen, in order.
    events: Vec<Value>,
    started: Instant,
    _profile_dir: TempDir,
}

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn chromium() -> String {
    std::env::var("CUSTODIA_CHROMIUM").unwrap_or_else(|_| "chromium".to_owned())
}

impl Browser {
    fn start(name: &str) -> Self {
        let dir = TempDir(scratch(&format!("chromium-{name}-{}", std::process::id())));
        let _ = std::fs::remove_dir_all(&dir.0);
        std::fs::create_dir_all(&dir.0).unwrap();
        let mut child = Command::new(chromium())
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--no-first-run",
                "--hide-scrollbars",
                "--no-default-browser-check",
                "--remote-debugging-port=0",
                "--remote-allow-origins=*",
            ])
            .arg(format!("--user-data-dir={}", dir.0.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start `{}` ({e}): install Debian's `chromium` package or set CUSTODIA_CHROMIUM",
                    chromium()
                )
            });
        // Chromium says where its DevTools endpoint is on stderr.
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find("ws://") {
                    let _ = tx.send(line[at..].trim().to_owned());
                }
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("Chromium names its DevTools endpoint");
        let host = url
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        let stream = TcpStream::connect(&host).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        let (socket, _) = tungstenite::client(url.as_str(), stream).unwrap();
        let mut browser = Self {
            child,
            socket,
            session: String::new(),
            next_id: 0,
            events: Vec::new(),
            started: Instant::now(),
            _profile_dir: dir,
        };
        let target = browser.call_browser("Target.createTarget", json!({"url": "about:blank"}));
        let target = target["targetId"].as_str().unwrap().to_owned();
        let attached = browser.call_browser(
            "Target.attachToTarget",
            json!({"targetId": target, "flatten": true}),
        );
        browser.session = attached["sessionId"].as_str().unwrap().to_owned();
        for domain in ["Runtime", "Log", "Page", "Network"] {
            browser.call(&format!("{domain}.enable"), json!({}));
        }
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 1100, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
        );
        browser
    }

    fn send(&mut self, method: &str, params: Value, session: bool) -> u64 {
        self.next_id += 1;
        let mut message = json!({"id": self.next_id, "method": method, "params": params});
        if session {
            message["sessionId"] = json!(self.session);
        }
        self.socket
            .send(Message::text(message.to_string()))
            .unwrap();
        self.next_id
    }

    /// The next message, or `None` when none came within the read timeout.
    fn receive(&mut self) -> Option<Value> {
        assert!(
            self.started.elapsed() < DEADLINE,
            "the browser took too long"
        );
        match self.socket.read() {
            Ok(Message::Text(text)) => Some(serde_json::from_str(text.as_str()).unwrap()),
            Ok(_) => None,
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                None
            }
            Err(e) => panic!("DevTools connection: {e}"),
        }
    }

    fn wait_for(&mut self, id: u64, method: &str) -> Value {
        loop {
            let Some(message) = self.receive() else {
                continue;
            };
            if message["id"] == id {
                assert!(
                    message.get("error").is_none(),
                    "{method}: {}",
                    message["error"]
                );
                return message["result"].clone();
            }
            if message.get("method").is_some() {
                self.events.push(message);
            }
        }
    }

    fn call_browser(&mut self, method: &str, params: Value) -> Value {
        let id = self.send(method, params, false);
        self.wait_for(id, method)
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.send(method, params, true);
        self.wait_for(id, method)
    }

    /// Opens `page` and waits until it has loaded.
    fn open(&mut self, page: &Path) -> String {
        let url = format!("file://{}", page.canonicalize().unwrap().display());
        self.call("Page.navigate", json!({"url": url}));
        while !self
            .events
            .iter()
            .any(|e| e["method"] == "Page.loadEventFired")
        {
            if let Some(message) = self.receive()
                && message.get("method").is_some()
            {
                self.events.push(message);
            }
        }
        url
    }

    /// Evaluates `expression` in the page; its value as JSON.
    fn eval(&mut self, expression: &str) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true}),
        );
        assert!(
            result.get("exceptionDetails").is_none(),
            "{expression}: {}",
            result["exceptionDetails"]
        );
        result["result"]["value"].clone()
    }

    /// Console errors and warnings, log errors and uncaught exceptions.
    fn complaints(&self) -> Vec<String> {
        self.events
            .iter()
            .filter_map(|e| match e["method"].as_str()? {
                "Runtime.exceptionThrown" => Some(e["params"]["exceptionDetails"].to_string()),
                "Runtime.consoleAPICalled"
                    if matches!(
                        e["params"]["type"].as_str(),
                        Some("error" | "warning" | "assert")
                    ) =>
                {
                    Some(e["params"]["args"].to_string())
                }
                "Log.entryAdded"
                    if matches!(
                        e["params"]["entry"]["level"].as_str(),
                        Some("error" | "warning")
                    ) =>
                {
                    Some(e["params"]["entry"].to_string())
                }
                _ => None,
            })
            .collect()
    }

    /// The URLs the page asked for.
    fn requests(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e["method"] == "Network.requestWillBeSent")
            .filter_map(|e| e["params"]["request"]["url"].as_str().map(str::to_owned))
            .collect()
    }

    /// A PNG of the page, `width` CSS pixels wide: its top `height`
    /// pixels, or the whole page.
    fn screenshot(&mut self, width: u64, height: Option<u64>) -> Vec<u8> {
        let whole = self
            .eval("Math.ceil(document.documentElement.scrollHeight)")
            .as_u64()
            .unwrap();
        let height = height.map_or(whole, |h| h.min(whole));
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
        );
        let shot = self.call("Page.captureScreenshot", json!({"format": "png"}));
        base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap())
            .unwrap()
    }
}

/// Writes the sample's profile page (with the duplicates of a dedupe run
/// and drift against its first five rows, so every chart shows).
fn sample_page() -> PathBuf {
    let sample = root().join("examples/data/customers.csv");
    let deduped = scratch("browser.deduped.csv");
    let out = custodia(
        &[
            "dedupe",
            "-q",
            "-i",
            sample.to_str().unwrap(),
            "-o",
            deduped.to_str().unwrap(),
        ],
        b"",
    );
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        text(&out.stderr)
    );
    let rows = std::fs::read_to_string(&deduped).unwrap();
    let early: String = rows.lines().take(6).map(|l| format!("{l}\n")).collect();
    let before = scratch("browser.before.json");
    let out = custodia(
        &[
            "profile",
            "-q",
            "--as-of",
            "2026-10-01",
            "--json",
            before.to_str().unwrap(),
        ],
        early.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let page = scratch("browser.profile.html");
    let out = custodia(
        &[
            "profile",
            "-q",
            "--as-of",
            "2026-11-01",
            "-i",
            deduped.to_str().unwrap(),
            "--compare",
            before.to_str().unwrap(),
            "--html",
            page.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    page
}

#[test]
fn the_profile_page_renders_in_chromium() {
    let page = sample_page();
    let mut browser = Browser::start("profile");
    let url = browser.open(&page);
    let found = browser.eval(
        r#"JSON.stringify({
            charts: [...document.querySelectorAll('svg[data-chart]')].map(s => s.dataset.chart),
            bars: [...document.querySelectorAll('svg[data-chart] rect.bar')]
                .filter(r => r.getBBox().width > 0 && r.getBBox().height > 0).length,
            cards: document.querySelectorAll('[data-field]').length,
            drift: !!document.getElementById('drift'),
            wide: Math.round(document.querySelector('svg[data-chart="completeness"]').getBoundingClientRect().width),
            title: document.title
        })"#,
    );
    let found: Value = serde_json::from_str(found.as_str().unwrap()).unwrap();
    let charts: Vec<&str> = found["charts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for chart in [
        "completeness",
        "issues",
        "record-completeness",
        "staleness",
        "cluster-sizes",
    ] {
        assert!(charts.contains(&chart), "no {chart} chart in {charts:?}");
    }
    assert!(found["bars"].as_u64().unwrap() > 30, "{found}");
    assert_eq!(
        found["cards"].as_u64().unwrap(),
        custodia::Schema::customer().len() as u64
    );
    assert_eq!(found["drift"], true);
    assert!(found["wide"].as_u64().unwrap() > 500, "{found}");
    assert_eq!(found["title"], "Data quality: customer");
    let complaints = browser.complaints();
    assert!(complaints.is_empty(), "console: {complaints:#?}");
    let requests = browser.requests();
    assert_eq!(requests, vec![url], "the page fetched something");

    let png = browser.screenshot(1100, None);
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    assert!(
        png.len() > 20_000,
        "a page with content: {} bytes",
        png.len()
    );
    std::fs::write(scratch("browser.profile.png"), &png).unwrap();
    // The README's: the top of the page, the charts of the whole set.
    let top = browser.screenshot(1000, Some(1300));
    assert!(top.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    if std::env::var_os("CUSTODIA_BLESS").is_some() {
        std::fs::create_dir_all(root().join("docs")).unwrap();
        std::fs::write(root().join("docs/profile.png"), &top).unwrap();
    }
}

#[test]
fn a_broken_page_is_caught() {
    // The check above must be able to fail: a page with a script error
    // and a request for an outside resource is reported. The resource is
    // on a local port nothing serves, so the request fails at once (on a
    // network that drops packets, an unroutable address held the page's
    // load until the connection timed out).
    let page = scratch("browser.broken.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><head><title>t</title></head><body>\
         <img src=\"http://127.0.0.1:9/x.png\"><script>undefined_function();</script></body></html>",
    )
    .unwrap();
    let mut browser = Browser::start("broken");
    let url = browser.open(&page);
    // Give the failed request a moment to be reported.
    let until = Instant::now() + Duration::from_secs(1);
    while Instant::now() < until {
        if let Some(message) = browser.receive()
            && message.get("method").is_some()
        {
            browser.events.push(message);
        }
    }
    let complaints = browser.complaints();
    assert!(
        complaints.iter().any(|c| c.contains("undefined_function")),
        "{complaints:#?}"
    );
    assert_ne!(browser.requests(), vec![url]);
}

/// The review page in Chromium: it renders without complaint and fetches
/// nothing; labelling pairs with the buttons and saving gives a labels
/// file with those pairs and labels.
#[test]
fn the_review_page_labels_pairs_in_chromium() {
    let (input, _) = crate::review::generated("browser.review.jsonl", 21, 2000);
    let (html, _) = crate::review::review_of(&input, "browser.review", &["--review-limit", "30"]);
    let page = scratch("browser.review.html");
    std::fs::write(&page, &html).unwrap();
    let mut browser = Browser::start("review");
    let downloads = TempDir(scratch(&format!("review-downloads-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&downloads.0);
    std::fs::create_dir_all(&downloads.0).unwrap();
    browser.call_browser(
        "Browser.setDownloadBehavior",
        json!({"behavior": "allow", "downloadPath": downloads.0.to_str().unwrap()}),
    );
    let url = browser.open(&page);
    let found = browser.eval(
        r#"JSON.stringify({
            charts: [...new Set([...document.querySelectorAll('svg[data-chart]')].map(s => s.dataset.chart))],
            waterfalls: document.querySelectorAll('svg[data-chart="waterfall"]').length,
            bars: [...document.querySelectorAll('svg[data-chart="waterfall"] rect.bar')]
                .filter(r => r.getBBox().width > 0 && r.getBBox().height > 0).length,
            curves: [...document.querySelectorAll('svg[data-chart="threshold"] polyline')]
                .filter(p => p.getBBox().width > 100).length,
            pairs: [...document.querySelectorAll('article.pair')].map(p => [p.dataset.a, p.dataset.b]),
            labelled: document.getElementById('labelled').textContent
        })"#,
    );
    let found: Value = serde_json::from_str(found.as_str().unwrap()).unwrap();
    for chart in ["weights", "threshold", "waterfall"] {
        assert!(
            found["charts"].as_array().unwrap().contains(&json!(chart)),
            "no {chart} chart: {found}"
        );
    }
    assert_eq!(found["waterfalls"], 30);
    assert!(found["bars"].as_u64().unwrap() > 30 * 5, "{found}");
    assert_eq!(found["curves"], 2, "precision and recall drawn");
    assert_eq!(found["labelled"], "0");
    let pairs = found["pairs"].as_array().unwrap().clone();
    assert_eq!(pairs.len(), 30);
    // Label the first pair a match, the second not, the third a match and
    // then undo it; then save.
    browser.eval(
        r#"(() => {
            const pairs = document.querySelectorAll('article.pair');
            pairs[0].querySelector('button[data-label="match"]').click();
            pairs[1].querySelector('button[data-label="non_match"]').click();
            pairs[2].querySelector('button[data-label="match"]').click();
            pairs[2].querySelector('button[data-label="match"]').click();
            document.getElementById('save').click();
            return true;
        })()"#,
    );
    assert_eq!(
        browser.eval("document.getElementById('labelled').textContent"),
        "2"
    );
    let id = |i: usize, side: usize| pairs[i][side].as_str().unwrap().to_owned();
    let expected = format!(
        "row_a,row_b,label\n{},{},match\n{},{},non_match\n",
        id(0, 0),
        id(0, 1),
        id(1, 0),
        id(1, 1)
    );
    let saved = downloads.0.join("labels.csv");
    let until = Instant::now() + Duration::from_secs(20);
    while !saved.exists() && Instant::now() < until {
        if let Some(message) = browser.receive()
            && message.get("method").is_some()
        {
            browser.events.push(message);
        }
    }
    assert_eq!(
        std::fs::read_to_string(&saved).expect("the labels file was saved"),
        expected
    );
    let complaints = browser.complaints();
    assert!(complaints.is_empty(), "console: {complaints:#?}");
    let fetched: Vec<String> = browser
        .requests()
        .into_iter()
        .filter(|r| !r.starts_with("data:"))
        .collect();
    assert_eq!(fetched, vec![url], "the page fetched something");
    let png = browser.screenshot(1100, Some(1600));
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    std::fs::write(scratch("browser.review.png"), &png).unwrap();
    if std::env::var_os("CUSTODIA_BLESS").is_some() {
        std::fs::create_dir_all(root().join("docs")).unwrap();
        std::fs::write(root().join("docs/review.png"), &png).unwrap();
    }
}
