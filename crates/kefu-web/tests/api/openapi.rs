//! The OpenAPI document is served, kept in review by a snapshot, and the API page works offline.

use crate::helpers::TestApp;
use serde_json::Value;

#[tokio::test]
async fn the_openapi_document_matches_its_snapshot() {
    let t = TestApp::spawn().await;
    let doc: Value = t
        .http
        .get(t.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    insta::assert_json_snapshot!("openapi", doc);
}

#[tokio::test]
async fn the_interactive_api_page_is_served_from_kefu_itself() {
    let t = TestApp::spawn().await;
    let page = t.http.get(t.url("/api/docs/")).send().await.unwrap();
    assert_eq!(page.status(), reqwest::StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger"), "the Swagger UI page");
    assert!(
        !html.contains("https://"),
        "no asset is fetched from the internet"
    );
    let bundle = t
        .http
        .get(t.url("/api/docs/swagger-ui-bundle.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(bundle.status(), reqwest::StatusCode::OK);
}
