//! HTTP/1.1 as the engine speaks it, against a raw loopback server that replays scripted
//! responses a few bytes at a time: every framing RFC 9112 allows is read whole, interim 1xx
//! heads are skipped, a connection is kept exactly when the response allows, malformed or
//! oversized responses fail in their class, and the request heads carry what they should.

mod common;

use std::sync::{Arc, Mutex};

use common::quiet;
use harness::prelude::*;
use http::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One scripted reply: its bytes, and whether the server closes the connection after it.
type Reply = (&'static [u8], bool);

#[derive(Default)]
struct Seen {
    /// Each request head read, with the number of the connection it came on (from 1).
    heads: Vec<(usize, String)>,
    connections: usize,
    read: u64,
    written: u64,
}

/// A server that answers the n-th request it reads (over all connections) with `script[n]`.
async fn server(script: Vec<Reply>) -> (String, Arc<Mutex<Seen>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Seen::default()));
    let (s, script) = (seen.clone(), Arc::new(script));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let conn = {
                let mut s = s.lock().unwrap();
                s.connections += 1;
                s.connections
            };
            tokio::spawn(serve(stream, conn, script.clone(), s.clone()));
        }
    });
    (url, seen)
}

async fn serve(
    mut stream: TcpStream,
    conn: usize,
    script: Arc<Vec<Reply>>,
    seen: Arc<Mutex<Seen>>,
) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    seen.lock().unwrap().read += n as u64;
                    buf.extend_from_slice(&chunk[..n]);
                }
            }
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_string();
        let body: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: ")?.parse().ok())
            .unwrap_or(0);
        while buf.len() < end + body {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    seen.lock().unwrap().read += n as u64;
                    buf.extend_from_slice(&chunk[..n]);
                }
            }
        }
        buf.drain(..end + body);
        let (reply, close) = {
            let mut s = seen.lock().unwrap();
            s.heads.push((conn, head));
            script[s.heads.len() - 1]
        };
        // A few bytes at a time, so the client meets every partial state.
        for piece in reply.chunks(3) {
            if stream.write_all(piece).await.is_err() {
                return;
            }
            seen.lock().unwrap().written += piece.len() as u64;
            tokio::task::yield_now().await;
        }
        if close {
            return;
        }
    }
}

/// Runs one VU once through `requests`, returning what each got.
async fn run(
    url: &str,
    max_body: usize,
    requests: Vec<(Method, &'static str)>,
) -> (Report, Vec<Response>) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let (g, requests) = (got.clone(), Arc::new(requests));
    let report = quiet("h1")
        .base_url(url)
        .max_body_bytes(max_body)
        .scenario(Scenario::new("s", PerVuIterations::new(1, 1), move |vu| {
            let (g, requests) = (g.clone(), requests.clone());
            Box::pin(async move {
                for (method, path) in requests.iter() {
                    let res = if *method == Method::POST {
                        vu.post(path)
                            .header("x-user", "1")
                            .body("data")
                            .send()
                            .await
                    } else {
                        vu.request(method.clone(), path)
                            .header("host", "elsewhere.test")
                            .send()
                            .await
                    };
                    g.lock().unwrap().push(res);
                }
                Ok(())
            })
        }))
        .run()
        .await
        .unwrap();
    let got = std::mem::take(&mut *got.lock().unwrap());
    (report, got)
}

#[tokio::test]
async fn every_framing_is_read_whole_and_the_connection_kept_exactly_when_allowed() {
    let (url, seen) = server(vec![
        (b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello", false),
        (
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n\
              HTTP/1.1 201 Created\r\nContent-Length: 2\r\nX-Thing: yes\r\n\r\nok",
            false,
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=v\r\nhello\r\n\
              6\r\n world\r\n0\r\nx-trailer: t\r\n\r\n",
            false,
        ),
        (
            b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n",
            false,
        ),
        (b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n", false),
        (b"HTTP/1.1 304 Not Modified\r\n\r\n", false),
        (b"HTTP/1.0 200 OK\r\n\r\nuntil the close", true),
        (
            b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 1\r\n\r\nx",
            false,
        ),
        (b"HTTP/1.0 200 OK\r\ncontent-length: 1\r\n\r\ny", false),
        (
            b"HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\ncontent-length: 1\r\n\r\nz",
            false,
        ),
        (b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nw", false),
    ])
    .await;
    let (report, got) = run(
        &url,
        1 << 20,
        vec![
            (Method::GET, "/a?q=1"),
            (Method::POST, "/b"),
            (Method::GET, "/c"),
            (Method::DELETE, "/d"),
            (Method::HEAD, "/e"),
            (Method::GET, "/f"),
            (Method::GET, "/g"),
            (Method::GET, "/h"),
            (Method::GET, "/i"),
            (Method::GET, "/j"),
            (Method::GET, "/k"),
        ],
    )
    .await;
    let answers: Vec<_> = got.iter().map(|r| (r.status(), r.text())).collect();
    let want = [
        (200, "hello"),
        (201, "ok"),
        (200, "hello world"),
        (204, ""),
        (200, ""),
        (304, ""),
        (200, "until the close"),
        (200, "x"),
        (200, "y"),
        (200, "z"),
        (200, "w"),
    ];
    let want: Vec<_> = want
        .iter()
        .map(|(s, b)| (Some(*s), b.to_string()))
        .collect();
    assert_eq!(answers, want);
    assert_eq!(got[1].header("x-thing"), Some("yes"));
    let seen = seen.lock().unwrap();
    // Kept through 1xx, chunked, 204, HEAD and 304, and past HTTP/1.0 only with `keep-alive`;
    // not past a close-delimited body nor `connection: close`.
    let conns: Vec<usize> = seen.heads.iter().map(|(c, _)| *c).collect();
    assert_eq!(conns, [1, 1, 1, 1, 1, 1, 1, 2, 3, 4, 4]);
    assert_eq!(report.count("data_sent"), seen.read as f64);
    assert_eq!(report.count("data_received"), seen.written as f64);
    assert_eq!(report.value("http_req_failed", "rate"), Some(0.0));
}

#[tokio::test]
async fn request_heads_name_the_origin_once_and_frame_a_body_by_its_length() {
    let (url, seen) = server(vec![
        (b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n", false);
        2
    ])
    .await;
    run(
        &url,
        1 << 20,
        vec![(Method::GET, "/a?q=1"), (Method::POST, "/b")],
    )
    .await;
    let seen = seen.lock().unwrap();
    let authority = url.trim_start_matches("http://");
    let get = &seen.heads[0].1;
    assert!(get.starts_with("GET /a?q=1 HTTP/1.1\r\n"), "{get}");
    assert_eq!(get.matches("host: ").count(), 1, "{get}");
    assert!(get.contains(&format!("host: {authority}\r\n")), "{get}");
    assert!(
        !get.contains("content-length"),
        "a GET without a body: {get}"
    );
    let post = &seen.heads[1].1;
    assert!(post.starts_with("POST /b HTTP/1.1\r\n"), "{post}");
    assert!(post.contains("content-length: 4\r\n"), "{post}");
    assert!(post.contains("x-user: 1\r\n"), "{post}");
}

#[tokio::test]
async fn malformed_oversized_or_cut_responses_fail_in_their_class() {
    let replies: Vec<(&[u8], TransportError)> = vec![
        (
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\nok",
            TransportError::Body,
        ),
        (
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
            TransportError::Body,
        ),
        (
            b"HTTP/1.1 101 Switching Protocols\r\nupgrade: x\r\n\r\n",
            TransportError::Body,
        ),
        (b"NOT HTTP AT ALL\r\n\r\n", TransportError::Body),
        (
            b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n",
            TransportError::BodyTooLarge,
        ),
        (
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n40\r\n",
            TransportError::BodyTooLarge,
        ),
        (
            b"HTTP/1.1 200 OK\r\n\r\n01234567890123456789",
            TransportError::BodyTooLarge,
        ),
        (
            b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc",
            TransportError::Reset,
        ),
        (b"HTTP/1.1 200 OK\r\ncontent-len", TransportError::Reset),
    ];
    let script = replies.iter().map(|(r, _)| (*r, true)).collect();
    let (url, seen) = server(script).await;
    let requests = vec![(Method::GET, "/x"); replies.len()];
    let (_, got) = run(&url, 16, requests).await;
    let classes: Vec<_> = got.iter().map(|r| r.failure().map(|f| f.error)).collect();
    let want: Vec<_> = replies.iter().map(|(_, class)| Some(*class)).collect();
    assert_eq!(classes, want);
    // None of them was sent again: a response had begun.
    assert_eq!(seen.lock().unwrap().heads.len(), replies.len());
}
