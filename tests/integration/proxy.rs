//! A recording (and, when asked, fault-injecting) HTTP proxy between the `infra` binary
//! and the emulator. It runs on its own thread so tests can block on the child process.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};

/// One request that reached the proxy.
#[derive(Debug, Clone)]
pub struct Call {
    /// Signing service from the Authorization header (`lambda`, `rds`, ...); shown in
    /// assertion messages.
    #[allow(dead_code)]
    pub service: String,
    /// API operation for JSON and query protocols, `METHOD /path` for REST ones.
    pub operation: String,
    pub method: String,
    pub status: u16,
}

impl Call {
    /// Anything but a read: reads are GET/HEAD on REST APIs and Get*/Describe*/List* elsewhere.
    pub fn is_write(&self) -> bool {
        if self.operation.contains(' ') {
            !matches!(self.method.as_str(), "GET" | "HEAD")
        } else {
            !["Get", "Describe", "List", "Head"].iter().any(|p| self.operation.starts_with(p))
        }
    }
}

pub struct Proxy {
    pub url: String,
    calls: Arc<Mutex<Vec<Call>>>,
}

impl Proxy {
    pub fn start(upstream: &str) -> Proxy {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind proxy port");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr: SocketAddr = listener.local_addr().expect("proxy address");
        let calls = Arc::new(Mutex::new(Vec::new()));
        let upstream = upstream.trim_end_matches('/').to_string();
        let shared = Arc::clone(&calls);
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
            rt.block_on(serve(listener, upstream, shared));
        });
        Proxy { url: format!("http://{addr}"), calls }
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    pub fn clear(&self) {
        self.calls.lock().unwrap().clear();
    }

    pub fn writes(&self) -> Vec<Call> {
        self.calls().into_iter().filter(Call::is_write).collect()
    }
}

async fn serve(listener: std::net::TcpListener, upstream: String, calls: Arc<Mutex<Vec<Call>>>) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let (client, upstream, calls) = (client.clone(), upstream.clone(), Arc::clone(&calls));
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let (client, upstream, calls) = (client.clone(), upstream.clone(), Arc::clone(&calls));
                async move { Ok::<_, Infallible>(forward(req, &client, &upstream, &calls).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

fn operation(req: &hyper::http::request::Parts, body: &[u8]) -> String {
    if let Some(target) = req.headers.get("x-amz-target").and_then(|v| v.to_str().ok()) {
        return target.rsplit('.').next().unwrap_or(target).to_string();
    }
    let query = req.uri.query().unwrap_or("");
    let form = std::str::from_utf8(body).unwrap_or("");
    for pair in form.split('&').chain(query.split('&')) {
        if let Some(action) = pair.strip_prefix("Action=") {
            return action.to_string();
        }
    }
    format!("{} {}", req.method, req.uri.path())
}

fn signing_service(req: &hyper::http::request::Parts) -> String {
    req.headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split('/').nth(3))
        .unwrap_or("?")
        .to_string()
}

async fn forward(
    req: Request<Incoming>,
    client: &Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
    upstream: &str,
    calls: &Mutex<Vec<Call>>,
) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let mut call = Call {
        service: signing_service(&parts),
        operation: operation(&parts, &body),
        method: parts.method.to_string(),
        status: 0,
    };
    let path = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut out = Request::builder().method(parts.method.clone()).uri(format!("{upstream}{path}"));
    for (k, v) in parts.headers.iter() {
        out = out.header(k, v);
    }
    let response = match client.request(out.body(Full::new(body)).expect("request")).await {
        Ok(resp) => {
            let (parts, body) = resp.into_parts();
            let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
            Response::from_parts(parts, Full::new(body))
        }
        Err(e) => Response::builder().status(502).body(Full::new(Bytes::from(e.to_string()))).expect("response"),
    };
    call.status = response.status().as_u16();
    calls.lock().unwrap().push(call);
    response
}
