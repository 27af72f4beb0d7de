//! `GET /v1/changes`: the change feed, and with `follow=true` every change after it as it
//! is made durable, pushed down one response that does not end (docs/serve.md).
//!
//! A follower is a blocking thread of the server that reads pages of the feed with its
//! session ([`crate::Session::feed_page`], an audited read each) and waits for the next
//! durable commit between rounds; the pages go down the response as JSON lines, one page a
//! line, as [`super::wire`] writes outputs.
//!
//! Invariants:
//! * A change is given out only once it is durable: a follower wakes when a commit's disk
//!   sync has finished (its round's, under group commit), never at the commit itself.
//! * A follower ends within [`WAKE_EVERY`] of its client going away or the server stopping;
//!   the response's first page (or the refusal that there is none) comes before the status
//!   line, so that a refused read is answered with its error and status, not a broken stream.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Body, Bytes, Frame};
use tokio::sync::{mpsc, oneshot};

use super::http::{Answer, State};
use super::wire::output_json;
use crate::{ErrorCode, FeedItems, Output, Refusal};

/// Entries read per page.
const PAGE: usize = 1000;
/// How often a waiting follower looks whether its client is still there.
pub(crate) const WAKE_EVERY: Duration = Duration::from_millis(500);

/// What a request for the feed asks.
pub(crate) struct Ask {
    since: u64,
    items: FeedItems,
    follow: bool,
}

impl Ask {
    /// Reads `since=N`, `items=masked|my_number|notification` and `follow=true|false` from a
    /// query string; what is wrong otherwise.
    pub fn parse(query: Option<&str>) -> Result<Ask, String> {
        let mut ask = Ask {
            since: 0,
            items: FeedItems::Masked,
            follow: false,
        };
        for pair in query
            .unwrap_or_default()
            .split('&')
            .filter(|p| !p.is_empty())
        {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "since" => {
                    ask.since = value
                        .parse()
                        .map_err(|_| format!("since={value}: not a 更新順番号"))?
                }
                "items" => {
                    ask.items = FeedItems::parse(value).ok_or(format!(
                        "items={value}: one of masked, my_number, notification"
                    ))?
                }
                "follow" => {
                    ask.follow = match value {
                        "true" | "1" => true,
                        "false" | "0" => false,
                        _ => return Err(format!("follow={value}: true or false")),
                    }
                }
                _ => return Err(format!("{key}: not a parameter of /v1/changes")),
            }
        }
        Ok(ask)
    }
}

/// A response body fed by a blocking thread (a follower's pages, an import's progress),
/// one chunk a line.
pub(crate) struct Pages(mpsc::Receiver<Bytes>);

impl Pages {
    pub fn new(lines: mpsc::Receiver<Bytes>) -> Pages {
        Pages(lines)
    }
}

impl Body for Pages {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0
            .poll_recv(cx)
            .map(|page| page.map(|b| Ok(Frame::data(b))))
    }
}

/// Starts a follower for `token` and `ask`; the pages, once the first round has been read,
/// or the refusal.
pub(crate) async fn start(
    state: Arc<State>,
    token: Option<String>,
    ask: Ask,
) -> Result<Pages, Answer> {
    let (pages, receiver) = mpsc::channel(4);
    let (first, first_done) = oneshot::channel();
    tokio::task::spawn_blocking(move || follow(&state, token.as_deref(), &ask, &pages, first));
    match first_done.await {
        Ok(Ok(())) => Ok(Pages(receiver)),
        Ok(Err(answer)) => Err(answer),
        Err(_) => Err(Answer::error(
            ErrorCode::Io,
            "the feed stopped inside the server",
        )),
    }
}

/// The follower: rounds of pages until the client goes, the server stops, or (without
/// `follow`) the feed has been read to its end.
fn follow(
    state: &State,
    token: Option<&str>,
    ask: &Ask,
    pages: &mpsc::Sender<Bytes>,
    first: oneshot::Sender<Result<(), Answer>>,
) {
    let held = match state.session(token) {
        Ok(held) => held,
        Err(answer) => {
            let _ = first.send(Err(answer));
            return;
        }
    };
    let mut first = Some(first);
    let mut next = ask.since;
    loop {
        let seen = state.juki.durable_count();
        let round = {
            let session = held.session.lock().unwrap_or_else(|e| e.into_inner());
            read_round(&session, ask.items, &mut next)
        };
        match round {
            Ok(lines) => {
                if let Some(first) = first.take() {
                    if first.send(Ok(())).is_err() {
                        return;
                    }
                }
                if lines.into_iter().any(|l| pages.blocking_send(l).is_err()) {
                    return;
                }
            }
            Err(refusal) => {
                match first.take() {
                    Some(first) => {
                        let _ = first.send(Err(Answer::refused(&refusal)));
                    }
                    // Mid-stream, the refusal is the stream's last line.
                    None => {
                        let line = serde_json::json!({ "error": refusal.json() }).to_string();
                        let _ = pages.blocking_send(Bytes::from(line + "\n"));
                    }
                }
                return;
            }
        }
        if !ask.follow {
            return;
        }
        // Wait for the next durable commit, looking now and then whether anyone still
        // listens.
        let mut now = seen;
        while now == seen {
            if pages.is_closed() || state.stopping.load(Ordering::Acquire) {
                return;
            }
            now = state.juki.wait_durable(seen, WAKE_EVERY);
        }
    }
}

/// Reads every page after `*next`; their lines, `*next` moved past them.
fn read_round(
    session: &crate::Session,
    items: FeedItems,
    next: &mut u64,
) -> Result<Vec<Bytes>, Refusal> {
    let mut lines = Vec::new();
    loop {
        let page = session
            .feed_page(*next, items, PAGE)
            .map_err(|e| Refusal::of(&e, ""))?;
        let n = page.rows.len();
        let last = page.last_seq();
        if n > 0 {
            let line = output_json(&Output::Rows(page)).to_string() + "\n";
            lines.push(Bytes::from(line));
        }
        match last {
            Some(seq) if n == PAGE => *next = seq,
            Some(seq) => {
                *next = seq;
                return Ok(lines);
            }
            None => return Ok(lines),
        }
    }
}
