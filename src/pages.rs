//! HTML pages: askama templates under `templates/`, all extending `base.html`. Turning one
//! into a response (status, headers) is the routes' business (`routes::html`).

use askama::Template;

use crate::assets;
use crate::lookup::Profile;
use crate::providers::{Image, Provider};

/// The home page: the lookup form.
#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    /// Platforms for the picker.
    pub providers: &'static [&'static Provider],
}

/// An error page (also used for 404).
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    /// Short title, e.g. "Page not found".
    pub title: &'a str,
    /// What happened and what the visitor can do.
    pub message: &'a str,
    /// HTTP status code shown on the page.
    pub status: u16,
}

/// A lookup's results: the profile's images with open, download and copy actions.
#[derive(Template)]
#[template(path = "results.html")]
pub struct ResultsPage<'a> {
    /// What the visitor typed, to refill the form.
    pub query: &'a str,
    /// What was found.
    pub profile: &'a Profile,
}

impl ResultsPage<'_> {
    /// The profile's name, else its handle.
    pub fn display_name(&self) -> &str {
        self.profile.name.as_deref().unwrap_or(&self.profile.id)
    }

    /// `image` through our proxy with extra query parameters (`w=480&format=webp`).
    pub fn via(&self, image: &Image, extra: &str) -> String {
        let url: String = url::form_urlencoded::byte_serialize(image.url.as_bytes()).collect();
        if extra.is_empty() {
            format!("/image?url={url}")
        } else {
            format!("/image?url={url}&{extra}")
        }
    }

    /// A `width`-pixel-wide preview of `image`.
    pub fn preview(&self, image: &Image, width: u32) -> String {
        self.via(image, &format!("w={width}"))
    }

    /// A download link for `image` with `extra` parameters, saved as
    /// `<provider>-<handle>-<kind>.<ext>`.
    pub fn download(&self, image: &Image, extra: &str) -> String {
        let name = format!(
            "{}-{}-{}",
            self.profile.provider.id,
            self.profile.id,
            image.kind.as_str()
        );
        let name: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
        let mut params = format!("download=1&name={name}");
        if !extra.is_empty() {
            params = format!("{params}&{extra}");
        }
        self.via(image, &params)
    }
}

/// Helpers the templates call.
pub mod layout {
    /// URL of the stylesheet, content-hashed.
    pub fn style_href() -> String {
        super::assets::STYLE.href()
    }
    /// URL of the script, content-hashed.
    pub fn script_src() -> String {
        super::assets::SCRIPT.href()
    }
    /// URL of the favicon, content-hashed.
    pub fn favicon_href() -> String {
        super::assets::FAVICON.href()
    }
}
