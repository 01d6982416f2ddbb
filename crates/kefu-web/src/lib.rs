//! kefu's HTTP face: the REST API, the agent workspace, the customer widget and
//! the event streams, served by one axum router.

pub mod api;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod router;
pub mod state;
pub mod stream;
pub mod ui;
pub mod widget;

pub use state::{AppState, WebConfig};

use axum::serve::ListenerExt;
use kefu_app::App;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Builds the shared state (translations, templates) around an app.
pub fn state(app: App, config: WebConfig) -> AppState {
    let i18n = Arc::new(i18n::I18n::load());
    let templates = Arc::new(ui::environment(Arc::clone(&i18n)));
    AppState {
        app,
        i18n,
        templates,
        config: Arc::new(config),
    }
}

/// Serves kefu on `listener` until `shutdown` completes, running the job worker and
/// the mail fetcher beside it. On shutdown, event streams end, in-flight requests finish, workers stop.
pub async fn serve(
    app: App,
    config: WebConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(kefu_app::jobs::worker(app.clone(), stop_rx.clone()));
    let mail = tokio::spawn(kefu_app::email::fetch::worker(app.clone(), stop_rx));
    let hub = Arc::clone(&app.hub);
    let router = router::router(state(app, config));
    let signal = async move {
        shutdown.await;
        hub.stop();
        let _ = stop_tx.send(true);
    };
    // Live events are small writes that must leave at once, not wait for Nagle.
    let listener = listener.tap_io(|stream| {
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
    });
    axum::serve(listener, router)
        .with_graceful_shutdown(signal)
        .await?;
    let _ = worker.await;
    let _ = mail.await;
    Ok(())
}
