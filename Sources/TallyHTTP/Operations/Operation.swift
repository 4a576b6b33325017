import HTTPTypes
import Hummingbird
import TallyCore

/// One operation of the API: its route, who may call it, how the document describes it, and the
/// handler that answers it.
///
/// The router, the key checks and the OpenAPI document are all read from one table of these
/// (`Operation.table(limits:)`), so an operation cannot be routed and left undocumented, or
/// documented with a scope its route does not check.
struct Operation: Sendable {
    /// Who may call an operation. Checked before the handler runs, from the table, so a handler
    /// cannot forget it.
    enum Access: Sendable, Equatable {
        /// No key (health, the document).
        case open
        /// An admin key.
        case admin
        /// A key with the scope, or an admin key. It acts in its key's realm (every realm for an
        /// admin key).
        case key(Scope)
        /// The realm named by the path: a key of that realm with the scope, or an admin key.
        /// Served under the operation's `realmPrefixes`: `/api/v1/realms/{realmId}` and the
        /// singular `/api/v1/realm/{realmId}`, or the legacy `/api/v4/realms/{realmId}`.
        case realm(Scope)

        /// The scope a key must hold; nil for open and admin operations.
        var scope: Scope? {
            switch self {
            case .open, .admin: nil
            case .key(let scope), .realm(let scope): scope
            }
        }
    }

    /// A handler of an open operation.
    typealias OpenHandler = @Sendable (Request, TallyRequestContext) async throws -> Response
    /// A handler of an admin or key operation; it receives the key the check accepted.
    typealias KeyHandler = @Sendable (Request, TallyRequestContext, APIKey) async throws -> Response
    /// A handler of a realm operation; it receives the realm the check authorized.
    typealias RealmHandler = @Sendable (Request, TallyRequestContext, RealmID) async throws -> Response

    /// Who may call the operation and what answers it, together, so a realm operation always has a
    /// handler that takes the authorized realm. The handler is taken from the controllers once,
    /// when the router is built.
    enum Handler: Sendable {
        case open(@Sendable (Controllers) -> OpenHandler)
        case admin(@Sendable (Controllers) -> KeyHandler)
        case key(Scope, @Sendable (Controllers) -> KeyHandler)
        case realm(Scope, @Sendable (Controllers) -> RealmHandler)

        var access: Access {
            switch self {
            case .open: .open
            case .admin: .admin
            case .key(let scope, _): .key(scope)
            case .realm(let scope, _): .realm(scope)
            }
        }
    }

    /// The HTTP method.
    let method: HTTPRequest.Method
    /// The path template with `{name}` parameters: after `/api/v1/realms/{realmId}` for a realm
    /// operation ("" is the realm itself), absolute otherwise.
    let path: String
    /// The OpenAPI `operationId` (the singular-prefix twin of a realm operation adds `Singular`).
    let id: String
    /// The OpenAPI tag: DRIP's tag, `Tally` for extensions, `Compatibility` for older spellings.
    let tag: String
    /// One line for the document.
    let summary: String
    /// Query parameters (path parameters follow from `path`).
    var query: [JSONValue] = []
    /// The request body's component schema.
    var requestBody: String? = nil
    /// The status of success.
    let success: HTTPResponse.Status
    /// The success body's component schema; nil when there is no body.
    let response: String?
    /// The success body's media type, as the document names it.
    var responseContentType = "application/json"
    /// What the document says about success.
    var successDescription: String? = nil
    /// Failures beyond those that follow from the access, method and body.
    var extraErrors: [Int] = []
    /// An older spelling kept for bots: deprecated under both prefixes.
    var legacyOnly = false
    /// Whether a POST or PATCH takes `Idempotency-Key`: all do but those whose answer must not be
    /// stored (a webhook's secret).
    var takesIdempotencyKey = true
    /// The prefixes a realm operation is served under, canonical first (the others are documented
    /// as deprecated twins): `OpenAPIDocument.realmPrefixes`, or `legacyRealmPrefixes` for DRIP's
    /// legacy v4 routes.
    var realmPrefixes: [String] = OpenAPIDocument.realmPrefixes
    /// Who may call it and what answers.
    let handler: Handler

    /// Who may call it.
    var access: Access { handler.access }

    /// Whether it honours `Idempotency-Key`: every POST and PATCH writes through `IdempotentWrite`,
    /// but those that say they do not.
    var isIdempotent: Bool { (method == .post || method == .patch) && takesIdempotencyKey }

    /// Path templates' parameter names, in order (`members/{dripId}/balance` → `dripId`).
    var pathParameters: [String] {
        path.split(separator: "/").compactMap { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? String(part.dropFirst().dropLast()) : nil
        }
    }

    /// The path as the document writes it, under `prefix` for a realm operation.
    func documentPath(prefix: String) -> String {
        guard case .realm = access else { return path }
        return path.isEmpty ? "\(prefix)/{realmId}" : "\(prefix)/{realmId}/\(path)"
    }

    /// The path as the router reads it: `{name}` becomes `:name`, relative to the group it is
    /// registered in.
    var routerPath: String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? ":" + part.dropFirst().dropLast() : String(part)
        }
        guard case .realm = access else { return parts.joined(separator: "/") }
        return ([":realmId"] + parts).joined(separator: "/")
    }
}
