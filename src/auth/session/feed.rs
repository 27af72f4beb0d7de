//! The change feed read page by page, as `juki changes` and a server's followers give it out.

use crate::auth::Session;
use crate::query::{Cell, Rows};
use crate::Result;

/// What each entry of the change feed carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedItems {
    /// The change feed's columns, the My Number masked (the changes permission).
    Masked,
    /// The change feed's columns with the My Number (a read logged as such; the changes
    /// and mynumber permissions).
    WithMyNumber,
    /// The columns of the 本人確認情報 notification (the notification permission).
    Notification,
}

impl FeedItems {
    /// The items by the name the protocol uses: `masked`, `my_number`, `notification`.
    pub fn parse(name: &str) -> Option<FeedItems> {
        match name {
            "masked" => Some(FeedItems::Masked),
            "my_number" => Some(FeedItems::WithMyNumber),
            "notification" => Some(FeedItems::Notification),
            _ => None,
        }
    }

    /// Its name in the protocol.
    pub fn name(self) -> &'static str {
        match self {
            FeedItems::Masked => "masked",
            FeedItems::WithMyNumber => "my_number",
            FeedItems::Notification => "notification",
        }
    }
}

impl Session {
    /// At most `limit` entries of the change feed after the 更新順番号 `since`, with `items`;
    /// an audited read like `CHANGES SINCE`.
    pub fn feed_page(&self, since: u64, items: FeedItems, limit: usize) -> Result<Rows> {
        match items {
            FeedItems::WithMyNumber => self
                .changes_since_with_my_numbers(since, limit)
                .map(|v| v.into_iter().unzip())
                .map(|(rs, ns): (Vec<_>, Vec<_>)| Rows::changes(&rs, Some(&ns))),
            FeedItems::Masked => self
                .changes_since(since, limit)
                .map(|rs| Rows::changes(&rs, None)),
            FeedItems::Notification => self.notification_since(since, limit),
        }
    }
}

impl Rows {
    /// For a page of the change feed ([`Session::feed_page`]): the 更新順番号 of its last
    /// entry (its first column: a number, or its text in the notification); `None` for an
    /// empty page.
    pub fn last_seq(&self) -> Option<u64> {
        self.rows.last().and_then(|r| match r.first() {
            Some(Cell::Int(seq)) => u64::try_from(*seq).ok(),
            Some(Cell::Text(seq)) => seq.parse().ok(),
            _ => None,
        })
    }
}
