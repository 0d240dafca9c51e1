//! A small HTTP forward proxy on loopback for the outbound-proxy tests: it forwards
//! absolute-form requests (`GET http://host:port/path`) one at a time, opens CONNECT tunnels,
//! marks what it forwards with `via: 1.1 test-proxy` (so a fake platform can answer proxied
//! requests differently), and records every target it was asked for.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The header the proxy adds to every request it forwards.
pub const VIA: &str = "1.1 test-proxy";

/// A running test proxy.
pub struct TestProxy {
    /// `http://127.0.0.1:{port}`, for `GETIMAGES_PROXY`.
    pub url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl TestProxy {
    /// Starts the proxy on a free loopback port.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(serve(client, Arc::clone(&log)));
            }
        });
        Self { url, seen }
    }

    /// Every request target it was asked for, in order (`http://127.0.0.1:9/x` for a
    /// forwarded request, `host:port` for a CONNECT).
    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

/// Serves one client connection: requests in turn until it closes, or one tunnel.
async fn serve(mut client: TcpStream, seen: Arc<Mutex<Vec<String>>>) {
    loop {
        let Some((head, body)) = read_request(&mut client).await else {
            return;
        };
        let first = head.lines().next().unwrap_or_default().to_owned();
        let mut parts = first.split_whitespace();
        let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        seen.lock().unwrap().push(target.to_owned());
        if method == "CONNECT" {
            let Ok(mut upstream) = TcpStream::connect(target).await else {
                let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                return;
            };
            let _ = client
                .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                .await;
            let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            return;
        }
        let Some(authority) = target
            .strip_prefix("http://")
            .and_then(|rest| rest.split('/').next())
        else {
            let _ = client.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
            return;
        };
        let Ok(mut upstream) = TcpStream::connect(authority).await else {
            let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
            return;
        };
        // One request per upstream connection, so every request is seen and marked.
        let head: String = head
            .lines()
            .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
            .map(|l| format!("{l}\r\n"))
            .collect();
        let head = format!("{head}via: {VIA}\r\nconnection: close\r\n\r\n");
        if upstream.write_all(head.as_bytes()).await.is_err()
            || upstream.write_all(&body).await.is_err()
        {
            return;
        }
        let mut answer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(10), upstream.read_to_end(&mut answer));
        if read.await.is_err() || client.write_all(&answer).await.is_err() {
            return;
        }
    }
}

/// Reads one request: its head (without the blank line) and its body (by
/// `content-length`). `None` when the client closed.
async fn read_request(client: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if client.read(&mut byte).await.ok()? == 0 || buf.len() > 64 * 1024 {
            return None;
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf[..buf.len() - 4]).into_owned();
    let length = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())
                .flatten()
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    client.read_exact(&mut body).await.ok()?;
    Some((head, body))
}
