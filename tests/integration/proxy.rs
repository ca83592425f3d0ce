//! A recording, fault-injecting HTTP proxy between the `infra` binary and the emulator.
//! It runs on its own thread so tests can block on the child process. Faults are
//! answered by the proxy itself, never forwarded, so a retried call is always safe:
//! random throttling errors (in each protocol's own error format), 503s and connection
//! resets; scripted answers (the exact AWS error a call gets on real AWS, then the real
//! call); and added latency.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
    /// The fault the proxy answered with instead of forwarding, if any.
    pub fault: Option<&'static str>,
    /// The request body as text (what the binary asked AWS for).
    pub body: String,
    /// When it arrived and when its answer left: the benchmarks' timelines.
    #[allow(dead_code)]
    pub arrived: std::time::Instant,
    #[allow(dead_code)]
    pub answered: Option<std::time::Instant>,
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

/// A canned answer for the next calls matching an operation.
#[derive(Clone)]
pub struct Scripted {
    /// Matches [`Call::operation`] (prefix).
    pub operation: String,
    pub times: usize,
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

#[derive(Default)]
struct Faults {
    /// Probability (0..1) of a random fault per request.
    rate: f64,
    /// xorshift state, seeded: runs are repeatable.
    rng: u64,
    latency: Duration,
    scripted: Vec<Scripted>,
}

impl Faults {
    fn roll(&mut self) -> f64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        (self.rng % 1_000_000) as f64 / 1_000_000.0
    }
}

pub struct Proxy {
    pub url: String,
    calls: Arc<Mutex<Vec<Call>>>,
    faults: Arc<Mutex<Faults>>,
    routes: Arc<Mutex<Vec<(String, String)>>>,
}

impl Proxy {
    pub fn start(upstream: &str) -> Proxy {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind proxy port");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr: SocketAddr = listener.local_addr().expect("proxy address");
        let calls = Arc::new(Mutex::new(Vec::new()));
        let faults = Arc::new(Mutex::new(Faults { rng: 0x9e37_79b9_7f4a_7c15, ..Faults::default() }));
        let routes = Arc::new(Mutex::new(Vec::new()));
        let upstream = upstream.trim_end_matches('/').to_string();
        let (shared_calls, shared_faults, shared_routes) = (Arc::clone(&calls), Arc::clone(&faults), Arc::clone(&routes));
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
            rt.block_on(serve(listener, upstream, shared_calls, shared_faults, shared_routes));
        });
        Proxy { url: format!("http://{addr}"), calls, faults, routes }
    }

    /// Send one signing service's requests (`apprunner`) to another upstream.
    pub fn route(&self, service: &str, upstream: &str) {
        self.routes.lock().unwrap().push((service.to_string(), upstream.trim_end_matches('/').to_string()));
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    pub fn clear(&self) {
        self.calls.lock().unwrap().clear();
    }

    pub fn writes(&self) -> Vec<Call> {
        self.calls().into_iter().filter(|c| c.fault.is_none() && c.is_write()).collect()
    }

    /// Answer a fraction of requests with a fault (seeded, so repeatable).
    pub fn fail_randomly(&self, rate: f64, seed: u64) {
        let mut f = self.faults.lock().unwrap();
        f.rate = rate;
        f.rng = seed.max(1);
    }

    pub fn set_latency(&self, latency: Duration) {
        self.faults.lock().unwrap().latency = latency;
    }

    #[allow(dead_code)]
    pub fn latency(&self) -> Duration {
        self.faults.lock().unwrap().latency
    }

    /// Answer the next `times` calls of `operation` with this response.
    pub fn script(&self, s: Scripted) {
        self.faults.lock().unwrap().scripted.push(s);
    }
}

async fn serve(
    listener: std::net::TcpListener,
    upstream: String,
    calls: Arc<Mutex<Vec<Call>>>,
    faults: Arc<Mutex<Faults>>,
    routes: Arc<Mutex<Vec<(String, String)>>>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let (client, upstream, calls, faults, routes) =
            (client.clone(), upstream.clone(), Arc::clone(&calls), Arc::clone(&faults), Arc::clone(&routes));
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let (client, calls, faults) = (client.clone(), Arc::clone(&calls), Arc::clone(&faults));
                let service = signing_service(req.headers());
                let upstream =
                    routes.lock().unwrap().iter().find(|(s, _)| *s == service).map(|(_, u)| u.clone()).unwrap_or(upstream.clone());
                async move { handle(req, &client, &upstream, &calls, &faults).await }
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

fn signing_service(headers: &hyper::HeaderMap) -> String {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split('/').nth(3))
        .unwrap_or("?")
        .to_string()
}

fn respond(status: u16, headers: &[(&str, String)], body: String) -> Response<Full<Bytes>> {
    let mut b = Response::builder().status(status).header("x-amzn-requestid", "proxy-fault");
    for (k, v) in headers {
        b = b.header(*k, v);
    }
    b.body(Full::new(Bytes::from(body))).expect("response")
}

/// A throttling error in the format the calling protocol uses, so the SDK reads the
/// error code (and classifies it as throttling) exactly as it would from AWS.
fn throttle(service: &str, json: bool, query: bool) -> Response<Full<Bytes>> {
    if json {
        return respond(
            400,
            &[("content-type", "application/x-amz-json-1.1".into())],
            r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#.into(),
        );
    }
    if query && service == "ec2" {
        let body = "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>proxy</RequestID></Response>";
        return respond(503, &[("content-type", "text/xml".into())], body.into());
    }
    if query || service == "cloudfront" {
        let body = "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>proxy</RequestId></ErrorResponse>";
        return respond(400, &[("content-type", "text/xml".into())], body.into());
    }
    if service == "s3" {
        let body = "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>proxy</RequestId></Error>";
        return respond(503, &[("content-type", "application/xml".into())], body.into());
    }
    respond(
        429,
        &[("content-type", "application/json".into()), ("x-amzn-errortype", "TooManyRequestsException".into())],
        r#"{"message":"Rate exceeded"}"#.into(),
    )
}

/// `Err` makes hyper drop the connection without an answer: a reset as the client sees it.
async fn handle(
    req: Request<Incoming>,
    client: &Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
    upstream: &str,
    calls: &Mutex<Vec<Call>>,
    faults: &Mutex<Faults>,
) -> Result<Response<Full<Bytes>>, std::io::Error> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let mut call = Call {
        service: signing_service(&parts.headers),
        operation: operation(&parts, &body),
        method: parts.method.to_string(),
        status: 0,
        fault: None,
        body: String::from_utf8_lossy(&body).into_owned(),
        arrived: std::time::Instant::now(),
        answered: None,
    };
    let json = parts.headers.contains_key("x-amz-target");
    let query = !json && !call.operation.contains(' ');
    let (latency, decision) = {
        let mut f = faults.lock().unwrap();
        let scripted = f.scripted.iter_mut().find(|s| s.times > 0 && call.operation.starts_with(&s.operation)).map(|s| {
            s.times -= 1;
            s.clone()
        });
        let random = if scripted.is_none() && f.rate > 0.0 && f.roll() < f.rate { Some(f.roll()) } else { None };
        (f.latency, (scripted, random))
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let response = match decision {
        (Some(s), _) => {
            call.fault = Some("scripted");
            respond(s.status, &s.headers.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>(), s.body)
        }
        (None, Some(kind)) if kind < 0.4 => {
            call.fault = Some("throttle");
            throttle(&call.service, json, query)
        }
        (None, Some(kind)) if kind < 0.7 => {
            call.fault = Some("503");
            respond(503, &[], String::new())
        }
        (None, Some(_)) => {
            call.fault = Some("reset");
            calls.lock().unwrap().push(call);
            return Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "injected reset"));
        }
        (None, None) => {
            let path = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            let mut out = Request::builder().method(parts.method.clone()).uri(format!("{upstream}{path}"));
            for (k, v) in parts.headers.iter() {
                out = out.header(k, v);
            }
            match client.request(out.body(Full::new(body)).expect("request")).await {
                Ok(resp) => {
                    let (parts, body) = resp.into_parts();
                    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                    Response::from_parts(parts, Full::new(body))
                }
                Err(e) => respond(502, &[], e.to_string()),
            }
        }
    };
    call.status = response.status().as_u16();
    call.answered = Some(std::time::Instant::now());
    calls.lock().unwrap().push(call);
    Ok::<_, std::io::Error>(response)
}
