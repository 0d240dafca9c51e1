//! Every provider, through the real HTTP API, against a loopback server playing the
//! platform (`GETIMAGES_UPSTREAM_<ID>`), with fixtures shaped like the platform's answers.

// A crate root in `tests/providers/` would look for `tests/providers/support/`; the path
// points it at the one support module every test crate shares.
#[path = "../support/mod.rs"]
mod support;

mod applemusic;
mod bandcamp;
mod behance;
mod bilibili;
mod bluesky;
mod buymeacoffee;
mod chains;
mod chesscom;
mod codeberg;
mod codepen;
mod deezer;
mod dev;
mod deviantart;
mod discord;
mod dockerhub;
mod dribbble;
mod facebook;
mod farcaster;
mod flickr;
mod gitea;
mod github;
mod gitlab;
mod gravatar;
mod hashnode;
mod huggingface;
mod instagram;
mod keybase;
mod kick;
mod kofi;
mod lastfm;
mod lemmy;
mod letterboxd;
mod linkedin;
mod linktree;
mod mastodon;
mod medium;
mod misskey;
mod patreon;
mod pinterest;
mod pixelfed;
mod pixiv;
mod printables;
mod producthunt;
mod real_pages;
mod reddit;
mod snapchat;
mod soundcloud;
mod spotify;
mod stackoverflow;
mod steam;
mod strava;
mod substack;
mod telegram;
mod thingiverse;
mod threads;
mod tiktok;
mod tumblr;
mod twitch;
mod vimeo;
mod x;
mod youtube;
