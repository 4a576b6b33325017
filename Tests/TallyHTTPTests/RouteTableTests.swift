import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TallyCore
import TallyTestSupport
import Testing

@testable import TallyHTTP

/// Every realm route, checked the same way: it works with the right key, answers 403 to a key
/// of another realm and to a key without its scope, 401 without a key, and 400 for a malformed
/// realm id; and a v1 route answers the same under the singular `/api/v1/realm/` prefix.
@Suite(.serviceScope) struct RouteTableTests {
    struct Route: CustomStringConvertible, Sendable {
        let method: HTTPRequest.Method
        // relative to the realm, with {dripId}, {memberId}, {other}, {currencyId} and {webhookId} placeholders
        let path: String
        let scope: Scope
        let body: String?
        let success: HTTPResponse.Status
        /// What the same request answers when sent again (a creation: 409); nil when the same.
        var again: HTTPResponse.Status? = nil
        /// The prefixes it is served under, canonical first.
        var prefixes = OpenAPIDocument.realmPrefixes

        var description: String { "\(method) \(prefixes[0])/{realmId}\(path)" }
    }

    static let routes: [Route] = [
        Route(method: .get, path: "", scope: .realmRead, body: nil, success: .ok),
        Route(method: .get, path: "/members/", scope: .membersRead, body: nil, success: .ok),
        Route(method: .get, path: "/members", scope: .membersRead, body: nil, success: .ok),
        Route(
            method: .get, path: "/members/search?type=username&values=alice", scope: .membersRead, body: nil,
            success: .ok),
        Route(method: .get, path: "/members/leaderboard", scope: .membersRead, body: nil, success: .ok),
        Route(
            method: .post, path: "/members", scope: .membersWrite, body: #"{"metadata":{"source":"test"}}"#,
            success: .created),
        Route(method: .get, path: "/members/{dripId}", scope: .membersRead, body: nil, success: .ok),
        Route(
            method: .patch, path: "/members/{dripId}/metadata", scope: .membersWrite, body: #"{"metadata":{"a":1}}"#,
            success: .noContent),
        Route(method: .get, path: "/members/{dripId}/transactions", scope: .membersRead, body: nil, success: .ok),
        Route(method: .get, path: "/events?after=0&limit=10", scope: .eventsRead, body: nil, success: .ok),
        Route(
            method: .post, path: "/webhooks", scope: .webhooksWrite,
            body: #"{"url":"https://hooks.example.com/tally"}"#,
            success: .created),
        Route(method: .get, path: "/webhooks", scope: .webhooksWrite, body: nil, success: .ok),
        Route(method: .get, path: "/webhooks/{webhookId}", scope: .webhooksWrite, body: nil, success: .ok),
        Route(
            method: .patch, path: "/webhooks/{webhookId}", scope: .webhooksWrite, body: #"{"enabled":false}"#,
            success: .ok),
        Route(
            method: .delete, path: "/webhooks/{webhookId}", scope: .webhooksWrite, body: nil, success: .noContent,
            again: .notFound),
        Route(
            method: .post, path: "/webhooks/{webhookId}/redeliver?from=1", scope: .webhooksWrite, body: nil,
            success: .ok),
        Route(method: .get, path: "/webhooks/{webhookId}/attempts", scope: .webhooksWrite, body: nil, success: .ok),
        Route(
            method: .patch, path: "/members/transaction", scope: .pointsWrite,
            body: #"{"updates":[{"dripId":"{dripId}","amount":5}]}"#, success: .ok),
        Route(
            method: .patch, path: "/members/batch-point-balance", scope: .pointsWrite,
            body: #"{"updates":[{"memberId":"{dripId}","tokens":5}]}"#, success: .ok),
        Route(
            method: .patch, path: "/members/{dripId}/balance", scope: .pointsWrite, body: #"{"amount":5}"#, success: .ok
        ),
        Route(
            method: .patch, path: "/members/{dripId}/point-balance", scope: .pointsWrite, body: #"{"tokens":5}"#,
            success: .ok),
        Route(
            method: .patch, path: "/members/{dripId}/transfer", scope: .pointsWrite,
            body: #"{"amount":0,"recipientId":"{other}"}"#, success: .badRequest),
        Route(method: .get, path: "/currencies", scope: .currenciesRead, body: nil, success: .ok),
        Route(method: .get, path: "/points", scope: .currenciesRead, body: nil, success: .ok),
        Route(
            method: .post, path: "/currencies", scope: .currenciesWrite, body: #"{"name":"Gems"}"#, success: .created),
        Route(method: .get, path: "/currencies/{currencyId}", scope: .currenciesRead, body: nil, success: .ok),
        Route(
            method: .patch, path: "/currencies/{currencyId}", scope: .currenciesWrite, body: #"{"emoji":"💎"}"#,
            success: .ok),
        Route(
            method: .patch, path: "/currencies/{currencyId}/metadata", scope: .currenciesWrite,
            body: #"{"metadata":{}}"#, success: .noContent),
        Route(
            method: .delete, path: "/currencies/{currencyId}", scope: .currenciesWrite, body: nil, success: .noContent),
        Route(
            method: .post, path: "/currencies/{currencyId}/unarchive", scope: .currenciesWrite, body: nil,
            success: .noContent),
        Route(
            method: .post, path: "/credentials/social", scope: .membersWrite,
            body: #"{"provider":"discord","providerId":"42"}"#, success: .ok, again: .conflict),
        Route(
            method: .post, path: "/credentials/wallet", scope: .membersWrite,
            body: #"{"address":"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed","chain":"eip155"}"#, success: .ok,
            again: .conflict),
        // A credential nobody created: these reach the lookup and answer CREDENTIAL_NOT_FOUND.
        Route(
            method: .get, path: "/credentials/find?type=discord-id&value=42", scope: .membersRead, body: nil,
            success: .notFound),
        Route(
            method: .post, path: "/credentials/link?type=discord-id&value=42&accountId={dripId}", scope: .membersWrite,
            body: nil, success: .notFound),
        Route(
            method: .delete, path: "/credentials/?type=email&value=a@b.c", scope: .membersWrite, body: nil,
            success: .notFound),
        Route(
            method: .patch, path: "/credentials/metadata?type=email&value=a@b.c", scope: .membersWrite,
            body: #"{"metadata":{}}"#, success: .notFound),
        Route(
            method: .patch, path: "/credentials/transfer?fromType=email&fromValue=a@b.c&toType=email&toValue=d@e.f",
            scope: .pointsWrite, body: #"{"amount":1}"#, success: .notFound),
        Route(
            method: .patch, path: "/credentials/balance?type=email&value=a@b.c", scope: .pointsWrite,
            body: #"{"amount":5}"#, success: .ok),
        Route(
            method: .patch, path: "/credentials/transaction", scope: .pointsWrite,
            body: #"{"updates":[{"type":"wallet","value":"0xabc","amount":5}]}"#, success: .ok),
        Route(
            method: .get, path: "/members/{memberId}", scope: .membersRead, body: nil, success: .ok,
            prefixes: OpenAPIDocument.legacyRealmPrefixes),
        Route(
            method: .patch, path: "/members/{memberId}/tokenBalance", scope: .pointsWrite, body: #"{"tokens":5}"#,
            success: .ok, prefixes: OpenAPIDocument.legacyRealmPrefixes),
        Route(
            method: .patch, path: "/members/tokenBalance", scope: .pointsWrite,
            body: #"{"entries":[{"memberId":"{dripId}","tokens":5}]}"#, success: .ok,
            prefixes: OpenAPIDocument.legacyRealmPrefixes),
        Route(
            method: .patch, path: "/members/{memberId}/transfer", scope: .pointsWrite,
            body: #"{"tokens":0,"recipientId":"{other}"}"#, success: .badRequest,
            prefixes: OpenAPIDocument.legacyRealmPrefixes),
        Route(
            method: .get, path: "/leaderboard", scope: .membersRead, body: nil, success: .ok,
            prefixes: OpenAPIDocument.legacyRealmPrefixes),
    ]

    func fill(_ text: String, _ h: HTTPHarness) -> String {
        text.replacingOccurrences(of: "{dripId}", with: h.members[0].id.rawValue)
            .replacingOccurrences(of: "{memberId}", with: h.members[0].id.rawValue)
            .replacingOccurrences(of: "{other}", with: h.members[1].id.rawValue)
            .replacingOccurrences(of: "{currencyId}", with: h.capped.id.rawValue)
            .replacingOccurrences(of: "{webhookId}", with: h.webhookID?.rawValue ?? "{webhookId}")
    }

    func send(
        _ client: any TestClientProtocol, _ route: Route, _ h: HTTPHarness, prefix: String? = nil,
        realm: String? = nil, key: String?
    ) async throws -> TestResponse {
        var headers = HTTPFields()
        if let key { headers[.authorization] = "Bearer \(key)" }
        headers[.contentType] = "application/json"
        let uri = "\(prefix ?? route.prefixes[0])/\(realm ?? h.realm.id.rawValue)\(fill(route.path, h))"
        return try await client.executeRequest(
            uri: uri, method: route.method, headers: headers, body: route.body.map { ByteBuffer(string: fill($0, h)) })
    }

    @Test(arguments: Backend.all, routes)
    func routeRespectsKeysScopesAndPrefixes(_ backend: Backend, _ route: Route) async throws {
        var made = try await HTTPHarness.make(backend, limits: .standard)
        let ids = IDGenerator()
        if route.path.contains("{webhookId}") {
            made.webhookID = try await made.store.createWebhook(
                WebhookDraft(
                    id: ids.make(), realmID: made.realm.id, url: "https://hooks.example.com/tally", types: nil,
                    enabled: true, secret: WebhookSecret()), limit: 5, now: 0
            ).id
        }
        let h = made
        defer { h.cleanUp() }
        let withoutScope = try await h.store.issueKey(
            realm: h.realm.id, name: nil, scopes: Set(Scope.allCases).subtracting([route.scope]), ids: ids)
        let onlyScope = try await h.store.issueKey(realm: h.realm.id, name: nil, scopes: [route.scope], ids: ids)
        try await h.test { client in
            try expectFailure(try await send(client, route, h, key: nil), .unauthorized, "Unauthorized")
            try expectFailure(try await send(client, route, h, key: h.otherRealmKey), .forbidden, "Forbidden")
            let missing = try expectFailure(
                try await send(client, route, h, key: withoutScope.secret.text), .forbidden, "Forbidden")
            #expect(missing.message.contains(route.scope.rawValue))
            try expectFailure(
                try await send(client, route, h, realm: "not-a-realm", key: h.key), .badRequest, "VALIDATION_ERROR")
            // An admin key reaches the realm lookup: 404, except where body validation fails first.
            let unknownRealm = try await send(client, route, h, realm: "0123456789abcdef01234567", key: h.adminKey)
            #expect(unknownRealm.status == (route.success == .badRequest ? .badRequest : .notFound))
            let response = try await send(client, route, h, key: onlyScope.secret.text)
            #expect(response.status == route.success, "\(String(buffer: response.body))")
            if route.success != .noContent {
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            }
            for prefix in route.prefixes.dropFirst() {
                let twin = try await send(client, route, h, prefix: prefix, key: h.adminKey)
                #expect(twin.status == route.again ?? route.success, "\(prefix): \(String(buffer: twin.body))")
            }
        }
    }

    // MARK: The table of operations

    /// `/api/v1/realms/{realmId}/members/{dripId}` for the router, the document and the table alike:
    /// `:name` becomes `{name}` and a trailing slash goes.
    static func normalize(_ path: String) -> String {
        let parts = path.split(separator: "/").map { part in
            part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// Each operation of the table as `METHOD path` under every path it is served at, with the
    /// access the table gives it.
    static func tableRoutes(_ operations: [TallyHTTP.Operation]) -> [String: TallyHTTP.Operation.Access] {
        var routes = [String: TallyHTTP.Operation.Access]()
        for operation in operations {
            let paths: [String]
            switch operation.access {
            case .realm: paths = operation.realmPrefixes.map { operation.documentPath(prefix: $0) }
            default: paths = [operation.path]
            }
            for path in paths {
                let route = "\(operation.method) \(normalize(path))"
                #expect(routes[route] == nil, "\(route) is in the table twice")
                routes[route] = operation.access
            }
        }
        return routes
    }

    /// What the document says an operation needs: its description, and the roles it asks of the
    /// bearer scheme (none for an open operation, which asks for no scheme at all).
    static func documentedAccess(_ operation: [String: Any]) -> [String] {
        let security = operation["security"] as? [[String: [String]]] ?? []
        let roles = security.flatMap { $0["BearerAuth"] ?? ["other scheme"] }
        return security.isEmpty ? ["open"] : [operation["description"] as? String ?? "no description"] + roles
    }

    static func expectedAccess(_ access: TallyHTTP.Operation.Access) -> [String] {
        switch access {
        case .open: ["open"]
        case .admin: ["Needs an admin key.", "admin"]
        case .key(let scope), .realm(let scope):
            ["Needs a key with the \(scope.rawValue) scope, or an admin key.", scope.rawValue]
        }
    }

    @Test func theRouterAndTheDocumentServeExactlyTheTableWithItsAccess() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tally-table-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let limits = Limits.standard
        let table = Self.tableRoutes(Operation.table(limits: limits))
        let router = buildRouter(store: try TallySQLiteStoreForDocs.make(directory), limits: limits)
        let everyRoute = Set(
            router.routes.filter { $0.method != .head }.map { "\($0.method) \(Self.normalize("\($0.path)"))" })
        // The console's pages (and the public leaderboard page) are not API operations: they are
        // routed beside the table, exactly as the console lists them, and not documented.
        let console = Set(ConsoleController.routes.map { "\($0.method) \(Self.normalize($0.path))" })
        #expect(
            everyRoute.filter { $0.contains(" /console") || $0.contains(" /leaderboard/") } == console,
            "the console's routes are its list")
        let routed = everyRoute.subtracting(console)
        #expect(routed.subtracting(table.keys).sorted() == [], "routed but not in the table")
        #expect(Set(table.keys).subtracting(routed).sorted() == [], "in the table but not routed")

        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json(limits: limits).utf8)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: [String: Any]]])
        var documented = [String: [String: Any]]()
        for (path, methods) in paths {
            for (method, operation) in methods {
                documented["\(method.uppercased()) \(Self.normalize(path))"] = operation
            }
        }
        #expect(Set(documented.keys).subtracting(routed).sorted() == [], "documented but not routed")
        #expect(routed.subtracting(documented.keys).sorted() == [], "routed but not documented")
        for (route, access) in table {
            let operation = try #require(documented[route], "\(route) is not documented")
            #expect(Self.documentedAccess(operation) == Self.expectedAccess(access), "\(route)")
        }
    }

    @Test func theHandListedRoutesCoverEveryRealmOperationOfTheTable() {
        let listed = Set(
            Self.routes.map { route in
                "\(route.method) \(route.prefixes) \(Self.normalize(String(route.path.prefix { $0 != "?" })))"
            })
        for operation in Operation.table(limits: .standard) {
            guard case .realm = operation.access else { continue }
            #expect(
                listed.contains("\(operation.method) \(operation.realmPrefixes) \(Self.normalize(operation.path))"),
                "\(operation.id)")
        }
    }

    /// A key without the scope the table names, or of another realm, gets 403 on every operation
    /// that needs a key; a key with only that scope gets past the check. Read from the table, so a
    /// new operation is covered the day it is added.
    @Test(arguments: Backend.all)
    func everyOperationChecksTheTablesAccessBeforeItsHandler(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend, limits: .standard)
        defer { h.cleanUp() }
        let ids = IDGenerator()
        let everyScope = try await h.store.issueKey(
            realm: h.realm.id, name: nil, scopes: Set(Scope.allCases), ids: ids)
        var without = [Scope: String]()
        var only = [Scope: String]()
        for scope in Scope.allCases {
            without[scope] = try await h.store.issueKey(
                realm: h.realm.id, name: nil, scopes: Set(Scope.allCases).subtracting([scope]), ids: ids
            ).secret.text
            only[scope] = try await h.store.issueKey(realm: h.realm.id, name: nil, scopes: [scope], ids: ids).secret
                .text
        }
        let (withoutScope, onlyScope) = (without, only)
        let operations = Operation.table(limits: h.limits)
        #expect(operations.contains { $0.access == .admin })
        #expect(operations.contains { if case .key = $0.access { true } else { false } })
        try await h.test { client in
            for operation in operations {
                let paths: [String]
                switch operation.access {
                case .open: continue
                case .realm: paths = operation.realmPrefixes.map { operation.documentPath(prefix: $0) }
                case .admin, .key: paths = [operation.path]
                }
                for template in paths {
                    let path = template.replacingOccurrences(of: "{realmId}", with: h.realm.id.rawValue)
                        .replacingOccurrences(of: "{dripId}", with: h.members[0].id.rawValue)
                        .replacingOccurrences(of: "{memberId}", with: h.members[0].id.rawValue)
                        .replacingOccurrences(of: "{currencyId}", with: h.capped.id.rawValue)
                    let route = "\(operation.method) \(path)"
                    let refused: String
                    let allowed: String
                    switch operation.access {
                    case .open:
                        continue
                    case .admin:
                        (refused, allowed) = (everyScope.secret.text, h.adminKey)
                    case .key(let scope), .realm(let scope):
                        (refused, allowed) = (withoutScope[scope]!, onlyScope[scope]!)
                    }
                    let forbidden = try expectFailure(
                        try await client.send(operation.method, path, key: refused), .forbidden, "Forbidden")
                    if let scope = operation.access.scope {
                        #expect(forbidden.message.contains(scope.rawValue), "\(route)")
                    }
                    if case .realm = operation.access {
                        try expectFailure(
                            try await client.send(operation.method, path, key: h.otherRealmKey), .forbidden, "Forbidden"
                        )
                    }
                    try expectFailure(
                        try await client.send(operation.method, path, key: nil), .unauthorized, "Unauthorized")
                    let passed = try await client.send(operation.method, path, key: allowed)
                    #expect(![.forbidden, .unauthorized].contains(passed.status), "\(route): \(passed.status)")
                }
            }
        }
    }
}
