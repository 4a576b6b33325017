import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TallyCore
import TallyTestSupport
import Testing

/// Every realm route, checked the same way: it works with the right key, answers 403 to a key
/// of another realm and to a key without its scope, 401 without a key, and 400 for a malformed
/// realm id; and it answers the same under the singular `/api/v1/realm/` prefix.
@Suite(.serviceScope) struct RouteTableTests {
    struct Route: CustomStringConvertible, Sendable {
        let method: HTTPRequest.Method
        let path: String  // relative to the realm, with {dripId}, {other} and {currencyId} placeholders
        let scope: Scope
        let body: String?
        let success: HTTPResponse.Status

        var description: String { "\(method) \(path)" }
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
    ]

    func fill(_ text: String, _ h: HTTPHarness) -> String {
        text.replacingOccurrences(of: "{dripId}", with: h.members[0].id.rawValue)
            .replacingOccurrences(of: "{other}", with: h.members[1].id.rawValue)
            .replacingOccurrences(of: "{currencyId}", with: h.capped.id.rawValue)
    }

    func send(
        _ client: any TestClientProtocol, _ route: Route, _ h: HTTPHarness, prefix: String = "realms",
        realm: String? = nil, key: String?
    ) async throws -> TestResponse {
        var headers = HTTPFields()
        if let key { headers[.authorization] = "Bearer \(key)" }
        headers[.contentType] = "application/json"
        let uri = "/api/v1/\(prefix)/\(realm ?? h.realm.id.rawValue)\(fill(route.path, h))"
        return try await client.executeRequest(
            uri: uri, method: route.method, headers: headers, body: route.body.map { ByteBuffer(string: fill($0, h)) })
    }

    @Test(arguments: Backend.all, routes)
    func routeRespectsKeysScopesAndPrefixes(_ backend: Backend, _ route: Route) async throws {
        let h = try await HTTPHarness.make(backend, limits: .standard)
        defer { h.cleanUp() }
        let ids = IDGenerator()
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
            let singular = try await send(client, route, h, prefix: "realm", key: h.adminKey)
            #expect(singular.status == route.success, "singular prefix: \(String(buffer: singular.body))")
        }
    }
}
