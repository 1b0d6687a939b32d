//! A fixed pool of OCR worker threads, each owning one engine created once at start-up.
//!
//! Work is a closure given the thread's [`LineReader`]; the whole page check runs there, so a
//! page costs one hand-over, not one per line. Async callers wait with a timeout and at most
//! `size` pieces of work are queued or running (a semaphore), so a burst of uploads queues in
//! the job table, not in memory. A closure that panics is caught, and the engine it used is
//! rebuilt before the thread takes more work.

use std::panic::{AssertUnwindSafe, catch_unwind};

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use tokio::sync::{Semaphore, oneshot};

use super::{LineReader, OcrError};

/// A piece of work; it returns whether the caller's closure panicked.
type Work = Box<dyn FnOnce(&mut dyn LineReader) -> bool + Send>;

/// Builds an engine on the thread that will use it.
pub type Factory = Arc<dyn Fn() -> Result<Box<dyn LineReader>, OcrError> + Send + Sync>;

pub struct OcrPool {
    tx: Mutex<Option<mpsc::Sender<Work>>>,
    permits: Arc<Semaphore>,
    threads: Mutex<Vec<thread::JoinHandle<()>>>,
    size: usize,
}

impl OcrPool {
    /// Starts `size` threads and waits until every engine is up; fails if any cannot start.
    pub fn start(size: usize, factory: Factory) -> Result<Self, OcrError> {
        let size = size.max(1);
        let (tx, rx) = mpsc::channel::<Work>();
        let rx = Arc::new(Mutex::new(rx));
        let (ready_tx, ready_rx) = mpsc::channel::<Result<(), OcrError>>();
        let mut threads = Vec::with_capacity(size);
        for i in 0..size {
            let (rx, factory, ready) = (rx.clone(), factory.clone(), ready_tx.clone());
            let spawned = thread::Builder::new()
                .name(format!("ocr-{i}"))
                .spawn(move || worker(&rx, &factory, &ready))
                .map_err(|_| OcrError::Init("thread"))?;
            threads.push(spawned);
        }
        drop(ready_tx);
        let pool = Self {
            tx: Mutex::new(Some(tx)),
            permits: Arc::new(Semaphore::new(size)),
            threads: Mutex::new(threads),
            size,
        };
        for _ in 0..size {
            match ready_rx.recv() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(e),
                Err(_) => return Err(OcrError::Init("thread")),
            }
        }
        Ok(pool)
    }

    /// A pool of Tesseract engines reading language data from `datapath` (Debian's by default).
    pub fn tesseract(size: usize, datapath: Option<std::path::PathBuf>) -> Result<Self, OcrError> {
        let factory: Factory = Arc::new(move || {
            Ok(Box::new(super::tesseract::TesseractReader::new(datapath.as_deref())?) as Box<dyn LineReader>)
        });
        Self::start(size, factory)
    }

    pub fn size(&self) -> usize {
        self.size
    }

    fn send(&self, work: Work) -> Result<(), OcrError> {
        let guard = self.tx.lock().map_err(|_| OcrError::PoolClosed)?;
        guard.as_ref().ok_or(OcrError::PoolClosed)?.send(work).map_err(|_| OcrError::PoolClosed)
    }

    /// Runs `f` on a pool thread; waits at most `timeout` for a free engine and the result.
    /// On timeout the work still finishes on its thread (a native call cannot be interrupted)
    /// and its permit is released only then, so timed-out work never piles up unbounded.
    pub async fn run<R, F>(&self, timeout: Duration, f: F) -> Result<R, OcrError>
    where
        R: Send + 'static,
        F: FnOnce(&mut dyn LineReader) -> R + Send + 'static,
    {
        let secs = timeout.as_secs();
        let fut = async {
            let permit = self.permits.clone().acquire_owned().await.map_err(|_| OcrError::PoolClosed)?;
            let (tx, rx) = oneshot::channel();
            self.send(Box::new(move |reader: &mut dyn LineReader| {
                let out = catch_unwind(AssertUnwindSafe(|| f(reader)));
                drop(permit);
                let panicked = out.is_err();
                let _ = tx.send(out);
                panicked
            }))?;
            match rx.await {
                Ok(Ok(r)) => Ok(r),
                Ok(Err(_)) => Err(OcrError::Panicked),
                Err(_) => Err(OcrError::PoolClosed),
            }
        };
        tokio::time::timeout(timeout, fut).await.map_err(|_| OcrError::Timeout(secs))?
    }

    /// The same for synchronous callers (the CLI, benchmarks): blocks the calling thread.
    pub fn run_blocking<R, F>(&self, f: F) -> Result<R, OcrError>
    where
        R: Send + 'static,
        F: FnOnce(&mut dyn LineReader) -> R + Send + 'static,
    {
        let (tx, rx) = mpsc::channel();
        self.send(Box::new(move |reader: &mut dyn LineReader| {
            let out = catch_unwind(AssertUnwindSafe(|| f(reader)));
            let panicked = out.is_err();
            let _ = tx.send(out);
            panicked
        }))?;
        match rx.recv() {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(_)) => Err(OcrError::Panicked),
            Err(_) => Err(OcrError::PoolClosed),
        }
    }

    /// Stops taking work and waits for the threads to finish what they hold.
    pub fn shutdown(&self) {
        if let Ok(mut tx) = self.tx.lock() {
            tx.take();
        }
        let handles = self.threads.lock().map(|mut t| std::mem::take(&mut *t)).unwrap_or_default();
        for h in handles {
            let _ = h.join();
        }
    }
}

impl Drop for OcrPool {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn worker(rx: &Mutex<mpsc::Receiver<Work>>, factory: &Factory, ready: &mpsc::Sender<Result<(), OcrError>>) {
    let mut reader = match factory() {
        Ok(r) => {
            let _ = ready.send(Ok(()));
            r
        }
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    loop {
        // The lock is held only while waiting for the next piece of work, not while doing it.
        let work = match rx.lock() {
            Ok(guard) => guard.recv(),
            Err(_) => return,
        };
        let Ok(work) = work else { return };
        if work(reader.as_mut()) {
            // The engine may be mid-call: start a fresh one.
            match factory() {
                Ok(r) => reader = r,
                Err(e) => {
                    tracing::error!(code = e.code(), error = %e, "OCR engine could not be rebuilt");
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ocr::Charset;
    use image::GrayImage;

    /// Counts its calls; reports which thread it lives on.
    struct Counting(u32);

    impl LineReader for Counting {
        fn read_line(&mut self, _: &GrayImage, _: u32, _: Charset) -> Result<String, OcrError> {
            self.0 += 1;
            Ok(format!("{}:{}", thread::current().name().unwrap_or("?"), self.0))
        }
    }

    fn pool(size: usize) -> OcrPool {
        OcrPool::start(size, Arc::new(|| Ok(Box::new(Counting(0)) as Box<dyn LineReader>))).unwrap()
    }

    fn read(r: &mut dyn LineReader) -> String {
        r.read_line(&GrayImage::new(1, 1), 300, Charset::ResidentId).unwrap()
    }

    #[test]
    fn engines_are_made_once_per_thread_and_reused() {
        let p = pool(1);
        assert_eq!(p.run_blocking(read).unwrap(), "ocr-0:1");
        assert_eq!(p.run_blocking(read).unwrap(), "ocr-0:2");
    }

    #[test]
    fn a_failing_factory_fails_start() {
        let f: Factory = Arc::new(|| Err(OcrError::Init("eng")));
        assert_eq!(OcrPool::start(2, f).err().unwrap().code(), "ocr.init");
    }

    #[test]
    fn a_panic_is_reported_and_the_engine_rebuilt() {
        let p = pool(1);
        assert_eq!(p.run_blocking(read).unwrap(), "ocr-0:1");
        let err = p.run_blocking(|_| -> u32 { panic!("boom") }).err().unwrap();
        assert_eq!(err.code(), "ocr.panicked");
        // A fresh engine: its count starts again.
        assert_eq!(p.run_blocking(read).unwrap(), "ocr-0:1");
    }

    #[tokio::test]
    async fn async_callers_time_out_without_losing_the_pool() {
        let p = pool(1);
        let err = p.run(Duration::from_millis(50), |_| thread::sleep(Duration::from_millis(300))).await;
        assert_eq!(err.err().unwrap().code(), "ocr.timeout");
        // The slow work finishes, frees its permit, and the pool answers again.
        assert!(p.run(Duration::from_secs(5), read).await.unwrap().starts_with("ocr-0"));
    }

    #[test]
    fn after_shutdown_work_is_refused() {
        let p = pool(2);
        p.shutdown();
        assert_eq!(p.run_blocking(read).err().unwrap().code(), "ocr.pool_closed");
    }
}
