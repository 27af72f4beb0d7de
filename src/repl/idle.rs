//! The idle lock: after a stretch without input the console clears the screen (personal data
//! must not stay on it) and asks for the operator's password before it goes on.

use rustyline::ExternalPrinter;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Clears the screen and moves the cursor home.
pub const CLEAR_SCREEN: &str = "\x1b[2J\x1b[H";

/// Watches for idleness and locks the console.
pub struct IdleLock {
    last: Arc<Mutex<Instant>>,
    locked: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl IdleLock {
    /// Starts watching; `printer` writes into the line editor while it waits for input.
    pub fn start<P: ExternalPrinter + Send + 'static>(after: Duration, mut printer: P) -> IdleLock {
        let last = Arc::new(Mutex::new(Instant::now()));
        let locked = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let (l, k, s) = (last.clone(), locked.clone(), stop.clone());
        std::thread::Builder::new()
            .name("juki-idle".into())
            .spawn(move || {
                while !s.load(Ordering::Acquire) {
                    std::thread::sleep(Duration::from_millis(200).min(after));
                    let idle = l.lock().map(|t| t.elapsed()).unwrap_or_default();
                    if idle >= after && !k.swap(true, Ordering::AcqRel) {
                        let _ = printer.print(format!(
                            "{CLEAR_SCREEN}locked after {} idle minute(s): press Enter and give your password",
                            after.as_secs() / 60
                        ));
                    }
                }
            })
            .expect("starting the idle watch");
        IdleLock { last, locked, stop }
    }

    /// Notes activity.
    pub fn touch(&self) {
        if let Ok(mut t) = self.last.lock() {
            *t = Instant::now();
        }
    }

    /// Whether the console is locked.
    pub fn is_locked(&self) -> bool {
        self.locked.load(Ordering::Acquire)
    }

    /// Unlocks after the password was given again.
    pub fn unlock(&self) {
        self.touch();
        self.locked.store(false, Ordering::Release);
    }
}

impl Drop for IdleLock {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}
