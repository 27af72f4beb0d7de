//! An ordered parallel map for reading files: one thread reads chunks, worker threads
//! turn each chunk into results, and the caller receives the results in the order the
//! chunks were read, while the next chunks are still being read and worked on.
//!
//! Chunk `k` goes to worker `k % workers`, and every worker answers its chunks in the
//! order it got them, so the caller takes chunk `k` from worker `k % workers`: no
//! reordering buffer. The channels are bounded, so at most a few chunks per worker are in
//! memory at once however large the file.

use std::sync::mpsc::{sync_channel, Receiver};
use std::thread::{Scope, ScopedJoinHandle};

/// How many chunks may wait in each channel.
const DEPTH: usize = 2;

/// The number of worker threads a pipeline uses: the machine's cores, at most 8.
pub(crate) fn workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 8)
}

/// The results of a pipeline, chunk by chunk in reading order; see the module
/// documentation. Ends when the source is exhausted or fails; [`Ordered::finish`] then
/// tells which.
pub(crate) struct Ordered<'scope, U, E> {
    outputs: Vec<Receiver<U>>,
    next: usize,
    reader: Option<ScopedJoinHandle<'scope, Result<(), E>>>,
}

impl<U, E> Iterator for Ordered<'_, U, E> {
    type Item = U;

    fn next(&mut self) -> Option<U> {
        let rx = &self.outputs[self.next % self.outputs.len()];
        match rx.recv() {
            Ok(u) => {
                self.next += 1;
                Some(u)
            }
            Err(_) => None,
        }
    }
}

impl<U, E> Ordered<'_, U, E> {
    /// Waits for the reader and returns its error, if it stopped on one. Call after the
    /// iterator ended (or to abandon it: the workers stop once their outputs are gone).
    pub(crate) fn finish(mut self) -> Result<(), E> {
        self.outputs.clear();
        match self.reader.take() {
            Some(h) => h.join().expect("a pipeline reader panicked"),
            None => Ok(()),
        }
    }
}

/// Starts a pipeline in `scope`: `read` is called on a reader thread until it returns
/// `Ok(None)` or an error; each chunk it returns is passed to `work` on a worker thread.
pub(crate) fn ordered<'scope, 'env, T, U, E>(
    scope: &'scope Scope<'scope, 'env>,
    mut read: impl FnMut() -> Result<Option<T>, E> + Send + 'scope,
    work: impl Fn(T) -> U + Send + Sync + 'scope,
) -> Ordered<'scope, U, E>
where
    T: Send + 'scope,
    U: Send + 'scope,
    E: Send + 'scope,
{
    let n = workers();
    let work = std::sync::Arc::new(work);
    let mut inputs = Vec::with_capacity(n);
    let mut outputs = Vec::with_capacity(n);
    for _ in 0..n {
        let (in_tx, in_rx) = sync_channel::<T>(DEPTH);
        let (out_tx, out_rx) = sync_channel::<U>(DEPTH);
        let work = work.clone();
        scope.spawn(move || {
            for chunk in in_rx {
                if out_tx.send(work(chunk)).is_err() {
                    return;
                }
            }
        });
        inputs.push(in_tx);
        outputs.push(out_rx);
    }
    let reader = scope.spawn(move || {
        let mut k = 0usize;
        while let Some(chunk) = read()? {
            if inputs[k % n].send(chunk).is_err() {
                // The caller stopped listening.
                return Ok(());
            }
            k += 1;
        }
        Ok(())
    });
    Ordered {
        outputs,
        next: 0,
        reader: Some(reader),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_reading_order() {
        let out: Vec<u64> = std::thread::scope(|s| {
            let mut i = 0u64;
            let mut p = ordered(
                s,
                move || -> Result<Option<Vec<u64>>, String> {
                    if i == 50 {
                        return Ok(None);
                    }
                    i += 1;
                    Ok(Some((i * 10..i * 10 + 10).collect()))
                },
                |chunk: Vec<u64>| {
                    // Uneven work so that workers finish out of order.
                    if chunk[0].is_multiple_of(30) {
                        std::thread::sleep(std::time::Duration::from_millis(2));
                    }
                    chunk.into_iter().map(|x| x * 2).collect::<Vec<u64>>()
                },
            );
            let all: Vec<u64> = p.by_ref().flatten().collect();
            p.finish().unwrap();
            all
        });
        let expected: Vec<u64> = (1..=50u64)
            .flat_map(|i| (i * 10..i * 10 + 10).map(|x| x * 2))
            .collect();
        assert_eq!(out, expected);
    }

    #[test]
    fn a_read_error_ends_the_results_and_is_returned() {
        let r = std::thread::scope(|s| {
            let mut i = 0;
            let mut p = ordered(
                s,
                move || {
                    i += 1;
                    if i == 4 {
                        Err(format!("bad read at chunk {i}"))
                    } else {
                        Ok(Some(i))
                    }
                },
                |x: i32| x,
            );
            let seen: Vec<i32> = p.by_ref().collect();
            (seen, p.finish())
        });
        assert_eq!(r.0, vec![1, 2, 3]);
        assert_eq!(r.1, Err("bad read at chunk 4".to_string()));
    }

    #[test]
    fn abandoning_the_results_stops_the_threads() {
        std::thread::scope(|s| {
            let mut p = ordered(s, || -> Result<Option<u8>, ()> { Ok(Some(1)) }, |x: u8| x);
            assert_eq!(p.next(), Some(1));
            p.finish().unwrap();
        });
    }
}
