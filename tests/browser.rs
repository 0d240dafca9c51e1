//! The UI in a real browser: headless Chromium (Debian's `chromium` and `chromium-driver`,
//! which scripts/test.sh installs) submits the home page's form against loopback upstreams
//! and sees the profile's images render; a slow lookup says it is under way; without
//! JavaScript the form still works and nothing dead shows; a preview that cannot load says
//! so; link fields show every character (underscores too), the focus ring contrasts, a copy
//! is announced, and image frames hug their pictures. Screenshots of home and results at desktop and phone widths are saved under
//! `artifacts/screenshots/`, and the desktop results page is the README's
//! `docs/screenshot.png`.

mod support;

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

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
        self.browser_with(width, height, Options::default()).await
    }

    async fn browser_with(&self, width: u32, height: u32, options: Options) -> Client {
        let profile = temp_dir("chromium");
        let mut caps = serde_json::Map::new();
        let mut chrome = json!({
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                format!("--window-size={width},{height}"),
                format!("--user-data-dir={}", profile.display()),
            ],
        });
        if options.no_javascript {
            chrome["prefs"] = json!({"profile.managed_default_content_settings.javascript": 2});
        }
        caps.insert("goog:chromeOptions".into(), chrome);
        if options.no_wait_for_load {
            caps.insert("pageLoadStrategy".into(), json!("none"));
        }
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

/// How a browser session differs from a visitor's usual one.
#[derive(Debug, Clone, Copy, Default)]
struct Options {
    /// JavaScript is off, as for a visitor who blocks it.
    no_javascript: bool,
    /// Navigation returns at once instead of when the page has loaded: a streamed page is
    /// looked at while it is still coming.
    no_wait_for_load: bool,
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
    let instance = mastodon_showing(&images, Duration::ZERO).await;
    (instance, images)
}

/// A Mastodon instance answering after `delay` with an account whose avatar and header are
/// `/avatar.png` and `/banner.png` on `images`.
async fn mastodon_showing(images: &MockServer, delay: Duration) -> MockServer {
    let mut account: Value = serde_json::from_str(&fixture("mastodon/gargron.json")).unwrap();
    account["avatar"] = json!(format!("{}/avatar.png", images.uri()));
    account["header"] = json!(format!("{}/banner.png", images.uri()));
    let instance = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/accounts/lookup"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(account.to_string(), "application/json")
                .set_delay(delay),
        )
        .mount(&instance)
        .await;
    instance
}

/// The app with Mastodon played by `instance` and loopback image hosts allowed.
fn app_with_mastodon(instance: &MockServer) -> App {
    let upstream = instance.uri();
    spawn_app(&[
        ("GETIMAGES_UPSTREAM_MASTODON", upstream.as_str()),
        // The loopback image server stands in for the platform's CDN.
        ("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1"),
    ])
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
    let app = app_with_mastodon(&instance);
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
        let frames = frames(&browser).await;
        for frame in frames.as_array().unwrap() {
            // The checkerboard is behind the picture alone, and the frame adds no bands.
            assert_eq!(frame["frameBackground"], "none", "{frame}");
            assert!(
                frame["imageBackground"]
                    .as_str()
                    .unwrap()
                    .contains("gradient"),
                "{frame}"
            );
        }
        let banner = &frames[1];
        assert!(
            (banner["frameHeight"].as_f64().unwrap() - banner["imageHeight"].as_f64().unwrap())
                .abs()
                <= 1.0,
            "the banner's frame hugs it at {label} width: {banner}"
        );
        save_screenshot(&browser, &format!("results-{label}.png")).await;
        if label == "desktop" {
            // The README's picture of the page, so it always shows the page as it is: tall
            // enough for the banner below the avatar.
            browser.set_window_size(1280, 1400).await.unwrap();
            let png = browser.screenshot().await.unwrap();
            let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshot.png");
            std::fs::write(readme, png).unwrap();
        }
        browser.close().await.unwrap();
    }
}

#[tokio::test]
async fn links_are_legible_focus_shows_and_copying_is_announced() {
    within_limit(links_are_legible_focus_shows_and_copying_is_announced_story()).await;
}

async fn links_are_legible_focus_shows_and_copying_is_announced_story() {
    // A lone avatar, at a CDN path with underscores in it, as X's `profile_images`.
    let images = MockServer::start().await;
    let avatar = fixture_bytes("images/avatar.png");
    serve_bytes(
        &images,
        "/profile_images/avatar_1.png",
        200,
        "image/png",
        avatar,
    )
    .await;
    let mut user: Value = serde_json::from_str(&fixture("github/torvalds.json")).unwrap();
    user["avatar_url"] = json!(format!("{}/profile_images/avatar_1.png", images.uri()));
    let github = upstream_serving("/users/torvalds", "application/json", &user.to_string()).await;
    let upstream = github.uri();
    let app = spawn_app(&[
        ("GETIMAGES_UPSTREAM_GITHUB", upstream.as_str()),
        ("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1"),
    ]);
    let driver = Driver::start();
    let browser = driver.browser(1280, 900).await;
    browser
        .goto(&format!("{}/lookup?q=torvalds&provider=github", app.base))
        .await
        .unwrap();
    browser
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(".image-card img"))
        .await
        .unwrap_or_else(|e| panic!("no results: {e}\n{}", app.process.stderr()));
    wait_for_images(&browser).await;
    save_screenshot(&browser, "results-lone-avatar-desktop.png").await;

    // The platform's link is in full, underscores included: the field's line is tall
    // enough for the lowest glyph, which `line-height: normal` is not in every font.
    let platform_link = browser
        .find(Locator::XPath(
            "//input[contains(@class,'link') and contains(@value,'profile_images')]",
        ))
        .await
        .unwrap();
    let id = platform_link.attr("id").await.unwrap().unwrap();
    let text = browser
        .execute(
            "const input = document.getElementById(arguments[0]);\
             const style = getComputedStyle(input);\
             const pen = document.createElement('canvas').getContext('2d');\
             pen.font = `${style.fontSize} ${style.fontFamily}`;\
             const line = pen.measureText(input.value);\
             const under = pen.measureText('_');\
             const lineHeight = style.lineHeight === 'normal'\
               ? line.fontBoundingBoxAscent + line.fontBoundingBoxDescent\
               : parseFloat(style.lineHeight);\
             const halfLeading = (lineHeight - line.fontBoundingBoxAscent - line.fontBoundingBoxDescent) / 2;\
             return {lineHeight, underscoreBottom: halfLeading + line.fontBoundingBoxAscent\
                       + under.actualBoundingBoxDescent,\
                     fieldWidth: input.clientWidth, charWidth: pen.measureText('m').width};",
            vec![json!(id)],
        )
        .await
        .unwrap();
    let number = |key: &str| text[key].as_f64().unwrap();
    assert!(
        number("underscoreBottom") <= number("lineHeight"),
        "underscores are cut off: {text}"
    );
    // A lone avatar's card takes the row, so its links are readable.
    assert!(
        number("fieldWidth") / number("charWidth") >= 45.0,
        "the link field shows too few characters: {text}"
    );

    // Our link that lasts is absolute, and copying it is said to screen readers.
    let lasting = browser
        .find(Locator::Css("input.link[data-path]"))
        .await
        .unwrap();
    let value = lasting.prop("value").await.unwrap().unwrap();
    assert_eq!(value, format!("{}/github/torvalds", app.base));
    let said = browser
        .execute(
            "window.copied = [];\
             navigator.clipboard.writeText = async (text) => { window.copied.push(text); };\
             const status = document.querySelector('.copy-status');\
             return {live: status.getAttribute('aria-live'), role: status.getAttribute('role')};",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(said["live"], "polite", "{said}");
    let copy = browser
        .find(Locator::Css(".link-row button.copy"))
        .await
        .unwrap();
    copy.click().await.unwrap();
    let mut announced = Value::Null;
    for _ in 0..50 {
        announced = browser
            .execute(
                "return {said: document.querySelector('.copy-status').textContent,\
                         copied: window.copied};",
                vec![],
            )
            .await
            .unwrap();
        if announced["said"].as_str().is_some_and(|s| !s.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(announced["said"], "Copied: Link that lasts", "{announced}");
    assert_eq!(announced["copied"], json!([value]), "{announced}");

    // The focus ring stands out from the page and from the form: 3:1 at least (WCAG 1.4.11).
    let colours = browser
        .execute(
            "const field = document.getElementById('q');\
             field.focus();\
             return {ring: getComputedStyle(field).outlineColor,\
                     page: getComputedStyle(document.body).backgroundColor,\
                     form: getComputedStyle(field.closest('form')).backgroundColor};",
            vec![],
        )
        .await
        .unwrap();
    let ring = rgb(&colours["ring"]);
    for behind in ["page", "form"] {
        let ratio = contrast(ring, rgb(&colours[behind]));
        assert!(
            ratio >= 3.0,
            "focus ring {ratio:.2}:1 on the {behind}: {colours}"
        );
    }
    browser.close().await.unwrap();
}

/// What the results' image frames and their pictures look like.
async fn frames(browser: &Client) -> Value {
    browser
        .execute(
            "return Array.from(document.querySelectorAll('.image-frame')).map(f => {\
               const img = f.querySelector('img');\
               return {frameHeight: f.getBoundingClientRect().height,\
                       imageHeight: img.getBoundingClientRect().height,\
                       frameBackground: getComputedStyle(f).backgroundImage,\
                       imageBackground: getComputedStyle(img).backgroundImage};\
             });",
            vec![],
        )
        .await
        .unwrap()
}

/// A CSS `rgb(r, g, b)` colour's channels.
fn rgb(colour: &Value) -> [f64; 3] {
    let text = colour.as_str().unwrap();
    let inner = &text[text.find('(').unwrap() + 1..text.find(')').unwrap()];
    let channels: Vec<f64> = inner
        .split(',')
        .map(|c| c.trim().parse().unwrap())
        .collect();
    [channels[0], channels[1], channels[2]]
}

/// WCAG's contrast ratio of two sRGB colours.
fn contrast(a: [f64; 3], b: [f64; 3]) -> f64 {
    let luminance = |c: [f64; 3]| {
        let linear = |v: f64| {
            let v = v / 255.0;
            if v <= 0.04045 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * linear(c[0]) + 0.7152 * linear(c[1]) + 0.0722 * linear(c[2])
    };
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
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
    let images = image_cdn().await;
    let mut user: Value = serde_json::from_str(&fixture("github/torvalds.json")).unwrap();
    user["avatar_url"] = json!(format!("{}/avatar.png", images.uri()));
    let github = upstream_serving("/users/torvalds", "application/json", &user.to_string()).await;
    let upstream = github.uri();
    let app = spawn_app(&[
        ("GETIMAGES_UPSTREAM_GITHUB", upstream.as_str()),
        ("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1"),
    ]);
    let driver = Driver::start();
    let options = Options {
        no_javascript: true,
        ..Options::default()
    };
    let browser = driver.browser_with(1280, 900, options).await;

    // A handle with its platform picked: a plain form GET.
    browser.goto(&format!("{}/", app.base)).await.unwrap();
    let input = browser.find(Locator::Id("q")).await.unwrap();
    input.send_keys("torvalds").await.unwrap();
    pick_platform(&browser, "github").await;
    submit(&browser).await;
    browser
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(".image-card img"))
        .await
        .unwrap_or_else(|e| panic!("no results: {e}\n{}", app.process.stderr()));
    let url = browser.current_url().await.unwrap();
    assert!(
        url.as_str().contains("/lookup?q=torvalds&provider=github"),
        "{url}"
    );

    // The page still says what was asked, and offers only what works without a script.
    assert_eq!(picked_platform(&browser).await, "GitHub");
    assert_eq!(field_value(&browser).await, "torvalds");
    let copy = browser.find(Locator::Css("button.copy")).await.unwrap();
    assert!(
        !copy.is_displayed().await.unwrap(),
        "Copy link is hidden without JavaScript"
    );
    let json = browser
        .find(Locator::Css("a[href^='/api/v1/lookup']"))
        .await
        .unwrap();
    assert_eq!(
        json.attr("href").await.unwrap().as_deref(),
        Some("/api/v1/lookup?q=torvalds&provider=github")
    );

    // An input that cannot be read (a bare name is a search now, so a link we do not
    // follow): an error page, with the form still filled in.
    input_replace(&browser, "ftp://example.com/me").await;
    pick_platform(&browser, "").await;
    submit(&browser).await;
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
            .contains("/lookup?q=ftp%3A%2F%2Fexample.com%2Fme")
    );
    assert_eq!(field_value(&browser).await, "ftp://example.com/me");
    assert_eq!(picked_platform(&browser).await, "Detect platform");
    browser.close().await.unwrap();
}

#[tokio::test]
async fn a_slow_lookup_says_it_is_under_way() {
    within_limit(a_slow_lookup_says_it_is_under_way_story()).await;
}

async fn a_slow_lookup_says_it_is_under_way_story() {
    let images = image_cdn().await;
    // Slow enough that the page is looked at well before the answer comes.
    let instance = mastodon_showing(&images, Duration::from_secs(5)).await;
    let app = app_with_mastodon(&instance);
    let driver = Driver::start();
    let browser = driver.browser(1280, 900).await;
    browser.goto(&format!("{}/", app.base)).await.unwrap();

    let input = browser.find(Locator::Id("q")).await.unwrap();
    input.send_keys("@Gargron@mastodon.social").await.unwrap();
    // Clicked from a script so the state is read before the browser leaves the page.
    let state = browser
        .execute(
            "const form = document.querySelector('form.lookup');\
             const button = form.querySelector('button[type=submit]');\
             button.click();\
             const status = form.querySelector('[role=status]');\
             const spinner = button.querySelector('.spinner');\
             return {busy: form.getAttribute('aria-busy'), disabled: button.disabled,\
                     label: button.textContent.trim(), live: status.getAttribute('aria-live'),\
                     said: status.textContent, spinner: getComputedStyle(spinner).display};",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(state["busy"], "true", "{state}");
    assert_eq!(state["disabled"], true, "{state}");
    assert_eq!(state["label"], "Looking up…", "{state}");
    assert_eq!(state["live"], "polite", "{state}");
    assert!(
        state["said"].as_str().unwrap().starts_with("Looking up"),
        "screen readers hear it: {state}"
    );
    assert_ne!(
        state["spinner"], "none",
        "the progress indicator shows: {state}"
    );

    let title = browser
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Id("profile-title"))
        .await
        .unwrap_or_else(|e| panic!("no results: {e}\n{}", app.process.stderr()));
    assert_eq!(title.text().await.unwrap(), "Eugen Rochko");
    browser.close().await.unwrap();
}

#[tokio::test]
async fn a_preview_that_cannot_load_says_so_and_keeps_its_links() {
    within_limit(a_preview_that_cannot_load_says_so_and_keeps_its_links_story()).await;
}

async fn a_preview_that_cannot_load_says_so_and_keeps_its_links_story() {
    // The image host refuses the avatar (a hotlink block) but serves the banner.
    let images = MockServer::start().await;
    serve(
        &images,
        "/avatar.png",
        403,
        "text/plain",
        "hotlinking denied",
    )
    .await;
    serve_bytes(
        &images,
        "/banner.png",
        200,
        "image/png",
        fixture_bytes("images/banner.png"),
    )
    .await;
    let instance = mastodon_showing(&images, Duration::ZERO).await;
    let app = app_with_mastodon(&instance);
    let driver = Driver::start();
    let browser = driver.browser(1280, 900).await;

    browser
        .goto(&format!(
            "{}/lookup?q=%40Gargron%40mastodon.social",
            app.base
        ))
        .await
        .unwrap();
    let note = browser
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(".image-card.avatar .preview-note"))
        .await
        .unwrap_or_else(|e| panic!("no note: {e}\n{}", app.process.stderr()));

    assert_eq!(note.text().await.unwrap(), "preview unavailable");
    assert!(
        browser
            .find_all(Locator::Css(".image-card.avatar img"))
            .await
            .unwrap()
            .is_empty(),
        "no broken image with its alt text"
    );
    for action in ["Open", "Download original"] {
        let link = browser
            .find(Locator::XPath(&format!(
                "//figure[contains(@class,'avatar')]//a[normalize-space()='{action}']"
            )))
            .await
            .unwrap();
        assert!(link.is_displayed().await.unwrap(), "{action} shows");
        let href = link.attr("href").await.unwrap().unwrap();
        assert!(href.starts_with("/image?url="), "{action}: {href}");
    }
    assert_eq!(
        wait_for_images(&browser).await,
        vec![960],
        "the banner's preview loads as usual"
    );
    browser.close().await.unwrap();
}

/// Clicks the lookup form's submit button.
async fn submit(browser: &Client) {
    browser
        .find(Locator::Css("form.lookup button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Picks the platform with id `id` in the form's picker (`""`: detect it).
async fn pick_platform(browser: &Client, id: &str) {
    browser
        .find(Locator::Css(&format!("#provider option[value='{id}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// The name of the platform the form's picker shows.
async fn picked_platform(browser: &Client) -> String {
    browser
        .find(Locator::Css("#provider option:checked"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// What the form's text field holds.
async fn field_value(browser: &Client) -> String {
    browser
        .find(Locator::Id("q"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// Replaces what the form's text field holds with `text`.
async fn input_replace(browser: &Client, text: &str) {
    let input = browser.find(Locator::Id("q")).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(text).await.unwrap();
}

#[tokio::test]
async fn a_bare_name_fills_in_card_by_card() {
    within_limit(a_bare_name_fills_in_card_by_card_story(false)).await;
}

#[tokio::test]
async fn a_bare_name_fills_in_card_by_card_without_javascript() {
    within_limit(a_bare_name_fills_in_card_by_card_story(true)).await;
}

/// A visitor types a bare name with "Detect platform": GitHub's card is on screen while
/// Twitch still holds its answer, and the others' outcomes follow once it answers.
async fn a_bare_name_fills_in_card_by_card_story(no_javascript: bool) {
    let images = image_cdn().await;
    let nobody = nobody_anywhere().await;
    let github = github_knowing("jo", &format!("{}/avatar.png", images.uri())).await;
    let x = MockServer::start().await;
    serve_everywhere(&x, 429, "text/html", "<h1>Too Many Requests</h1>").await;
    let slow = Gate::start().await;
    let mut envs = search_envs(
        &nobody.uri(),
        &[
            ("github", &github.uri()),
            ("x", &x.uri()),
            ("twitch", &slow.origin),
        ],
    );
    envs.push(("GETIMAGES_ALLOW_PRIVATE_NETWORKS".into(), "1".into()));
    let app = spawn_app(&as_pairs(&envs));
    let driver = Driver::start();
    let options = Options {
        no_javascript,
        // A streamed page is still loading while its first cards show: never wait for it.
        no_wait_for_load: true,
    };
    let browser = driver.browser_with(1280, 900, options).await;
    browser.goto(&format!("{}/", app.base)).await.unwrap();
    let input = browser
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Id("q"))
        .await
        .unwrap();
    input.send_keys("jo").await.unwrap();
    submit(&browser).await;

    let card = browser
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(".search-card[data-provider=github]"))
        .await
        .unwrap_or_else(|e| panic!("no card: {e}\n{}", app.process.stderr()));
    let text = card.text().await.unwrap();
    assert!(
        text.contains("jo on GitHub") && text.contains("GitHub"),
        "{text}"
    );
    assert!(
        browser
            .find_all(Locator::Css(".search-summary"))
            .await
            .unwrap()
            .is_empty(),
        "Twitch has not answered: no summary yet"
    );
    let progress = browser
        .find(Locator::Css("[data-testid=search-progress]"))
        .await
        .unwrap();
    assert!(progress.is_displayed().await.unwrap());
    let mut loaded = Value::Null;
    for _ in 0..100 {
        loaded = browser
            .execute(
                "const img = document.querySelector('.search-card img');\
                 return img && img.complete ? img.naturalWidth : 0;",
                vec![],
            )
            .await
            .unwrap();
        if loaded.as_u64().is_some_and(|w| w > 0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(loaded, 128, "the thumbnail shows before the page is done");
    let label = if no_javascript { "nojs" } else { "js" };
    save_screenshot(&browser, &format!("search-streaming-{label}.png")).await;

    slow.open();
    let summary = browser
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(".search-summary"))
        .await
        .unwrap();
    let said = summary.text().await.unwrap();
    assert!(said.contains("Found on 1 of"), "{said}");
    assert!(said.contains("Blocked us (1)"), "{said}");
    assert!(
        said.contains("X (Twitter): X (Twitter) stopped us"),
        "{said}"
    );
    assert!(said.contains("Not found ("), "{said}");
    assert!(said.contains("Not a valid name there ("), "Reddit: {said}");
    assert!(
        !progress.is_displayed().await.unwrap(),
        "the progress line goes"
    );
    save_screenshot(&browser, &format!("search-done-{label}.png")).await;

    // The card leads to the profile's own page, answered from the cache.
    let link = browser
        .find(Locator::Css(".search-card[data-provider=github] h2 a"))
        .await
        .unwrap();
    assert_eq!(
        link.attr("href").await.unwrap().as_deref(),
        Some("/lookup?q=jo&provider=github")
    );
    let asked = github.received_requests().await.unwrap().len();
    link.click().await.unwrap();
    let title = browser
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Id("profile-title"))
        .await
        .unwrap();
    assert_eq!(title.text().await.unwrap(), "jo on GitHub");
    assert_eq!(github.received_requests().await.unwrap().len(), asked);
    browser.close().await.unwrap();
}

#[tokio::test]
async fn an_account_without_its_at_and_u_slash_name_reach_their_platforms() {
    within_limit(an_account_without_its_at_and_u_slash_name_reach_their_platforms_story()).await;
}

async fn an_account_without_its_at_and_u_slash_name_reach_their_platforms_story() {
    let images = image_cdn().await;
    let instance = mastodon_showing(&images, Duration::ZERO).await;
    let webfinger = json!({
        "subject": "acct:Gargron@mastodon.social",
        "links": [{"rel": "self", "type": "application/activity+json",
                   "href": "https://mastodon.social/users/Gargron"}]
    });
    Mock::given(method("GET"))
        .and(path("/.well-known/webfinger"))
        .respond_with(ResponseTemplate::new(200).set_body_json(webfinger))
        .mount(&instance)
        .await;
    let reddit = upstream_serving("/user/spez/", "text/html", &fixture("reddit/spez.html")).await;
    let app = spawn_app(&[
        ("GETIMAGES_UPSTREAM_MASTODON", instance.uri().as_str()),
        ("GETIMAGES_UPSTREAM_REDDIT", reddit.uri().as_str()),
        ("GETIMAGES_ALLOW_PRIVATE_NETWORKS", "1"),
    ]);
    let driver = Driver::start();
    let browser = driver.browser(1280, 900).await;

    for (typed, name) in [
        ("Gargron@mastodon.social", "Eugen Rochko"),
        ("u/spez", "spez"),
    ] {
        browser.goto(&format!("{}/", app.base)).await.unwrap();
        let input = browser.find(Locator::Id("q")).await.unwrap();
        input.send_keys(typed).await.unwrap();
        submit(&browser).await;
        let title = browser
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Id("profile-title"))
            .await
            .unwrap_or_else(|e| panic!("{typed}: no results: {e}\n{}", app.process.stderr()));
        assert!(
            title.text().await.unwrap().contains(name),
            "{typed}: {}",
            title.text().await.unwrap()
        );
    }
    browser.close().await.unwrap();
}
