//! getimages: paste a social profile, get its avatar and banner at full resolution.
//!
//! The data path: request → parse input → provider → fetch → extract → cache → render.
//! Lifecycle: [`startup::Application`] serves until [`idle::IdleWatcher`] says nobody
//! has used it for the idle timeout, then stops with exit code 0. [`check`] is the live
//! self-check, `getimages check`.

pub mod assets;
pub mod budget;
pub mod cache;
pub mod check;
pub mod configuration;
pub mod decimal;
pub mod extract;
pub mod fetch;
pub mod idle;
pub mod imaging;
pub mod listener;
pub mod lookup;
pub mod machine;
pub mod metrics;
pub mod pages;
pub mod profile;
pub mod providers;
pub mod proxy;
pub mod routes;
pub mod single_flight;
pub mod startup;
pub mod telemetry;
