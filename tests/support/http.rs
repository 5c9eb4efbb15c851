//! Plain HTTP/1.1 requests to the bot's metrics server, one per connection,
//! as a scraper or a probe sends them.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The status, head and body of `METHOD path` at `addr`.
pub async fn request(addr: &str, method: &str, path: &str) -> (u16, String, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: */*\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_string(), body.to_string())
}
