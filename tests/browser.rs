//! The UI in a real browser: headless Chromium (Debian's `chromium` and `chromium-driver`,
//! which scripts/test.sh installs) submits the home page's form against loopback upstreams
//! and sees the profile's images render. Screenshots of home and results at desktop and
//! phone widths are saved under `artifacts/screenshots/`.

mod support;

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use support::*;
use wiremock::MockServer;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A chromedriver process on a free loopback port; killed (with its browsers) on drop.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start() -> Self {
        assert!(
            Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists(),
            "{CHROMEDRIVER} or {CHROMIUM} is missing: apt-get install chromium chromium-driver \
             (scripts/test.sh does this)"
        );
        let port = free_port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            // Never the test runner's stdin: whatever drives the runner may be writing there.
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start chromedriver");
        Self { child, port }
    }

    async fn browser(&self, width: u32, height: u32) -> Client {
        let profile = temp_dir("chromium");
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.display()),
                ],
            }),
        );
        // fantoccini's connector needs a process-wide TLS provider even for plain http.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let url = format!("http://127.0.0.1:{}", self.port);
        for _ in 0..50 {
            match ClientBuilder::rustls()
                .expect("rustls connector")
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => return client,
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
        panic!("chromedriver did not accept a session on {url}");
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // chromedriver's browsers are in its process group. Signalled with kill(2) itself:
        // procps-ng 4.0.2's `kill -TERM -PGID` was seen to reach far more than that group.
        if let Ok(group) = libc::pid_t::try_from(self.child.id()) {
            // SAFETY: kill(2) has no memory-safety preconditions; `group` is chromedriver's
            // own process group (started with process_group(0)), not yet reaped.
            unsafe { libc::kill(-group, libc::SIGTERM) };
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn artifact(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts/screenshots");
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    dir.join(name)
}

/// A Mastodon instance whose account's avatar and header are served by `images`.
async fn mastodon_with_images() -> (MockServer, MockServer) {
    let images = image_cdn().await;
    let mut account: Value = serde_json::from_str(&fixture("mastodon/gargron.json")).unwrap();
    account["avatar"] = json!(format!("{}/avatar.png", images.uri()));
    account["header"] = json!(format!("{}/banner.png", images.uri()));
    let instance = upstream_serving(
        "/api/v1/accounts/lookup",
        "application/json",
        &account.to_string(),
    )
    .await;
    (instance, images)
}

/// However a browser misbehaves, a test ends within this, failing.
const BROWSER_LIMIT: Duration = Duration::from_secs(120);

/// Runs a browser story, failing it if it outlasts [`BROWSER_LIMIT`].
async fn within_limit(story: impl std::future::Future<Output = ()>) {
    tokio::time::timeout(BROWSER_LIMIT, story)
        .await
        .unwrap_or_else(|_| panic!("the browser story took longer than {BROWSER_LIMIT:?}"));
}

#[tokio::test]
async fn a_visitor_pastes_a_profile_and_sees_its_images() {
    within_limit(a_visitor_pastes_a_profile_and_sees_its_images_story()).await;
}

#[tokio::test]
async fn the_form_works_without_javascript_and_shows_errors_as_pages() {
    within_limit(the_form_works_without_javascript_and_shows_errors_as_pages_story()).await;
}

async fn a_visitor_pastes_a_profile_and_sees_its_images_story() {
    let (instance, _images) = mastodon_with_images().await;
    let upstream = instance.uri();
    let app = spawn_app(&[
        ("GETIMAGES_UPSTREAM_MASTODON", upstream.as_str()),
        // The loopback image server stands in for the platform's CDN.
        ("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1"),
    ]);
    let driver = Driver::start();

    for (label, width, height) in [("desktop", 1280, 900), ("phone", 390, 844)] {
        let browser = driver.browser(width, height).await;
        browser.goto(&format!("{}/", app.base)).await.unwrap();
        save_screenshot(&browser, &format!("home-{label}.png")).await;

        let input = browser.find(Locator::Id("q")).await.unwrap();
        input.send_keys("@Gargron@mastodon.social").await.unwrap();
        browser
            .find(Locator::Css("form.lookup button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        browser
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css(".image-card img"))
            .await
            .unwrap_or_else(|e| panic!("no results: {e}\n{}", app.process.stderr()));

        let title = browser.find(Locator::Id("profile-title")).await.unwrap();
        assert_eq!(title.text().await.unwrap(), "Eugen Rochko");
        let widths = wait_for_images(&browser).await;
        // Previews through /image: the 256 px avatar is never enlarged, the banner is 960 wide.
        assert_eq!(
            widths,
            vec![256, 960],
            "natural widths of avatar and banner"
        );
        let copy = browser.find(Locator::Css("button.copy")).await.unwrap();
        assert!(
            copy.is_displayed().await.unwrap(),
            "Copy link shows with JavaScript on"
        );
        save_screenshot(&browser, &format!("results-{label}.png")).await;
        browser.close().await.unwrap();
    }
}

/// The natural widths of the results' images once they have all loaded.
async fn wait_for_images(browser: &Client) -> Vec<u64> {
    let script = "return Array.from(document.querySelectorAll('.image-card img'))\
                  .map(i => i.complete ? i.naturalWidth : -1);";
    let mut widths = Vec::new();
    for _ in 0..50 {
        let value = browser.execute(script, vec![]).await.unwrap();
        widths = value
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_i64().unwrap_or(-1))
            .collect::<Vec<_>>();
        if widths.iter().all(|w| *w >= 0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    widths.into_iter().map(|w| w.max(0) as u64).collect()
}

async fn save_screenshot(browser: &Client, name: &str) {
    let png = browser.screenshot().await.unwrap();
    std::fs::write(artifact(name), png).unwrap();
}

async fn the_form_works_without_javascript_and_shows_errors_as_pages_story() {
    let app = spawn_app(&[]);
    let driver = Driver::start();
    let browser = driver.browser(1280, 900).await;

    browser.goto(&format!("{}/", app.base)).await.unwrap();
    let input = browser.find(Locator::Id("q")).await.unwrap();
    input.send_keys("just-a-name").await.unwrap();
    browser
        .find(Locator::Css("form.lookup button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let heading = browser
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Id("error-title"))
        .await
        .unwrap();

    assert_eq!(heading.text().await.unwrap(), "We could not read that");
    assert!(
        browser
            .current_url()
            .await
            .unwrap()
            .as_str()
            .contains("/lookup?q=just-a-name")
    );
    browser.close().await.unwrap();
}
