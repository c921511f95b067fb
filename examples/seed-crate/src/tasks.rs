//! Background work. From "Rust Foundation Discovers Devastating Memory Leak": tasks that never end
//! keep everything they own alive for the life of the process.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

struct ThreadWaker(thread::Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// A minimal executor, so the crate runs its futures with std alone.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = Box::pin(future);
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(value) => return value,
            Poll::Pending => thread::park(),
        }
    }
}

/// Runs a future on its own thread and forgets about it.
pub fn spawn<F>(future: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    thread::spawn(move || block_on(future));
}

async fn tick() {}

/// Bug: a detached task looping forever; nothing can stop it and it holds `counter` until exit.
pub fn start_metrics_reporter(counter: Arc<AtomicU64>) {
    thread::spawn(move || loop {
        println!("requests so far: {}", counter.load(Ordering::Relaxed));
        thread::sleep(Duration::from_secs(10));
    });
}

/// Bug: the same, as an async task: it loops forever and its handle is gone.
pub fn start_cache_sweeper(swept: Arc<AtomicU64>) {
    spawn(async move {
        loop {
            swept.fetch_add(1, Ordering::Relaxed);
            tick().await;
        }
    });
}

/// Correct: the loop ends when `stop` is set, and the caller keeps the handle to join it.
pub fn start_reporter_with_stop(counter: Arc<AtomicU64>, stop: Arc<AtomicBool>) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            println!("requests so far: {}", counter.load(Ordering::Relaxed));
            thread::sleep(Duration::from_millis(100));
        }
    })
}

/// Bug: an unbounded queue; a producer faster than its consumer grows it without limit.
pub fn event_queue() -> (mpsc::Sender<String>, mpsc::Receiver<String>) {
    mpsc::channel()
}

/// Correct: a bounded queue pushes back on the producer.
pub fn bounded_event_queue() -> (mpsc::SyncSender<String>, mpsc::Receiver<String>) {
    mpsc::sync_channel(1024)
}
