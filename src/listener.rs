//! The listening socket while an idle stop is decided: new connection attempts held off, and
//! whether any connection already waits in its queue.
//!
//! Holding is a socket filter that drops every packet: a client's SYN is not answered, so it
//! sends it again a second later, by when the server is either accepting again or gone
//! (connection refused), never having had its connection taken only to be reset.

use std::net::TcpListener;

use socket2::{SockFilter, SockRef};

/// Classic BPF `ret #0`: keep none of the packet.
const DROP_ALL: [SockFilter; 1] = [SockFilter::new(0x06, 0, 0, 0)];

/// Drops every new connection attempt at `listener` until [`release`]; whether it could.
pub fn hold(listener: &TcpListener) -> bool {
    SockRef::from(listener).attach_filter(&DROP_ALL).is_ok()
}

/// Lets new connection attempts at `listener` through again, after [`hold`].
pub fn release(listener: &TcpListener) {
    // A filter that will not detach leaves the socket holding; nothing better can be done
    // than the resume that follows, and the stop it was held for will come again.
    let _ = SockRef::from(listener).detach_filter();
}

/// Whether a connection waits in `listener`'s queue: accepted by the kernel, not yet by us.
pub fn has_waiting(listener: &TcpListener) -> bool {
    use std::os::fd::AsRawFd;
    // socket2 and std offer no readiness check; one zero-timeout poll of one socket is it.
    let mut poll = libc::pollfd {
        fd: listener.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd for an open socket we own, and a zero timeout.
    let ready = unsafe { libc::poll(&mut poll, 1, 0) };
    ready > 0 && poll.revents & libc::POLLIN != 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpStream;
    use std::time::Duration;

    #[test]
    fn a_held_socket_queues_nothing_new_and_a_released_one_does() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        assert!(!has_waiting(&listener));

        assert!(hold(&listener));
        // The SYN is dropped: the attempt neither connects nor is refused within the wait.
        let held = TcpStream::connect_timeout(&addr, Duration::from_millis(200));
        assert!(held.is_err_and(|e| e.kind() == std::io::ErrorKind::TimedOut));
        assert!(!has_waiting(&listener));

        release(&listener);
        let _client = TcpStream::connect(addr).unwrap();
        assert!(has_waiting(&listener));
    }
}
