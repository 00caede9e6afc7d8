//! Tables of the routes: templates round-trip, ids are carried, anything else is unknown.

use super::*;
use crate::domain::{Api, ApiRequest};

/// A concrete request for a template: `{id}` filled in, `ANY` as `POST`.
fn request_for(kind: RouteKind, id: &str) -> (String, String) {
    let (method, path) = kind.template().split_once(' ').unwrap();
    let method = if method == "ANY" { "POST" } else { method };
    (method.to_string(), path.replace("{id}", id))
}

fn id_of(route: Route<'_>) -> Option<&str> {
    match route {
        Route::Resource(
            Resource::DeleteWorkspace { id }
            | Resource::DeleteGateway { id }
            | Resource::GetAgent { id }
            | Resource::UpdateAgent { id }
            | Resource::DeleteAgent { id }
            | Resource::GetPipeline { id }
            | Resource::UpdatePipeline { id }
            | Resource::DeletePipeline { id }
            | Resource::StopDeployment { id },
        ) => Some(id),
        _ => None,
    }
}

#[test]
fn every_kind_is_listed_once_in_declaration_order() {
    for (i, kind) in RouteKind::ALL.iter().enumerate() {
        assert_eq!(*kind as usize, i, "{kind:?}");
    }
    // Unknown is declared last, so a kind added anywhere before it must be listed too.
    assert_eq!(RouteKind::ALL.len(), RouteKind::Unknown as usize + 1);
}

#[test]
fn every_route_template_round_trips_through_parse_and_template() {
    for kind in RouteKind::ALL {
        if kind == RouteKind::Unknown {
            continue;
        }
        assert_eq!(RouteKind::from_template(kind.template()), Ok(kind));
        assert_eq!(kind.template().parse::<RouteKind>(), Ok(kind));
        assert_eq!(kind.to_string(), kind.template());
    }
}

#[test]
fn every_template_with_its_id_filled_in_is_found_as_its_own_route() {
    for kind in RouteKind::ALL {
        if kind == RouteKind::Unknown {
            continue;
        }
        let (method, path) = request_for(kind, "a-1");
        let route = Route::of(&method, &path);
        assert_eq!(route.kind(), kind, "{method} {path}");
        assert_eq!(route.template(), kind.template());
        let has_id = kind.template().contains("{id}");
        assert_eq!(id_of(route), has_id.then_some("a-1"), "{method} {path}");
    }
}

#[test]
fn ids_are_carried_as_slices_of_the_path() {
    use Resource as R;
    let rows: &[(&str, &str, Route<'static>)] = &[
        (
            "GET",
            "/api/v1/agents/0b5e3c1e",
            Route::Resource(R::GetAgent { id: "0b5e3c1e" }),
        ),
        (
            "PUT",
            "/api/v1/pipelines/p-7",
            Route::Resource(R::UpdatePipeline { id: "p-7" }),
        ),
        (
            "POST",
            "/api/v1/deployments/d-9/stop",
            Route::Resource(R::StopDeployment { id: "d-9" }),
        ),
        (
            "DELETE",
            "//api/v1//gateways/g%2F1/",
            Route::Resource(R::DeleteGateway { id: "g%2F1" }),
        ),
        (
            "GET",
            "/api/v1/pipelines/patterns",
            Route::Resource(R::PipelinePatterns),
        ),
        (
            "DELETE",
            "/api/v1/pipelines/patterns",
            Route::Resource(R::DeletePipeline { id: "patterns" }),
        ),
    ];
    for (method, path, want) in rows {
        let route = Route::of(method, path);
        assert_eq!(route, *want, "{method} {path}");
        if let Some(id) = id_of(route) {
            let within = path.as_bytes().as_ptr_range();
            assert!(within.contains(&id.as_ptr()), "{id} is not borrowed");
        }
    }
}

#[test]
fn a_path_with_a_wrong_segment_an_extra_segment_or_another_method_is_unknown_and_404() {
    let rows = [
        ("GET", "/api/v1/agent"),
        ("GET", "/api/v2/agents"),
        ("GET", "/api/v1/agents/a-1/extra"),
        ("POST", "/api/v1/deployments/d-1/start"),
        ("POST", "/api/v1/deployments/d-1/stop/now"),
        ("GET", "/api/v1/metrics"),
        ("GET", "/api/v1/auth/login"),
        ("PATCH", "/api/v1/agents/a-1"),
        ("get", "/health"),
        ("PUT", "/gateway-stub"),
        ("GET", "/a/b/c/d/e/f/g"),
        ("GET", "/healthz"),
    ];
    let api = Api::default();
    for (method, path) in rows {
        assert_eq!(Route::of(method, path), Route::Unknown, "{method} {path}");
        let reply = api.handle(&ApiRequest::new(method, path));
        assert_eq!(reply.status, 404, "{method} {path}");
    }
}

#[test]
fn a_template_that_names_no_route_is_refused_with_the_list_of_routes() {
    for bad in [
        "GET /api/v1/agent",
        "GET /api/v1/agents/123",
        "GET /api/v1/agents/{agent_id}",
        "get /api/v1/agents",
        "GET  /api/v1/agents",
        "GET /api/v1/agents/",
        "UNKNOWN",
        "",
    ] {
        let err = RouteKind::from_template(bad).unwrap_err();
        let message = err.to_string();
        assert!(
            message.starts_with(&format!(
                "{bad:?} is not a route of the API; the routes are "
            )),
            "{message}"
        );
        assert!(message.contains("'GET /api/v1/agents/{id}'"), "{message}");
        assert!(message.contains("'ANY /gateway-stub'"), "{message}");
        assert!(!message.contains("'UNKNOWN'"), "{message}");
    }
    assert_eq!(
        RouteKind::from_template("  POST /api/v1/agents "),
        Ok(RouteKind::CreateAgent)
    );
}
