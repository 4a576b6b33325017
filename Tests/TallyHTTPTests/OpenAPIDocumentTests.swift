import Foundation
import Hummingbird
import HummingbirdTesting
import TallyCore
import TallyTestSupport
import Testing

@testable import TallyHTTP

/// The served document describes exactly the routes the router serves.
@Suite(.serviceScope) struct OpenAPIDocumentTests {
    func documentedOperations() throws -> Set<String> {
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json().utf8)) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var operations = Set<String>()
        for (path, methods) in paths {
            for method in methods.keys { operations.insert("\(method.uppercased()) \(normalize(path))") }
        }
        return operations
    }

    func normalize(_ path: String) -> String {
        var trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        if !trimmed.hasPrefix("/") { trimmed = "/" + trimmed }
        return trimmed.replacingOccurrences(of: ":", with: "{").split(separator: "/").map { part in
            part.hasPrefix("{") && !part.hasSuffix("}") ? "\(part)}" : String(part)
        }.joined(separator: "/").replacingOccurrences(of: "//", with: "/").prefixedWithSlash
    }

    @Test func everyRouteIsDocumentedAndEveryDocumentedRouteExists() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tally-doc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let router = buildRouter(store: try TallySQLiteStoreForDocs.make(directory), limits: .standard)
        // The console's pages are HTML for browsers, not API operations (docs/CONSOLE.md).
        let console = Set(ConsoleController.routes.map { "\($0.method) \(normalize($0.path))" })
        let served = Set(
            router.routes.filter { $0.method != .head }.map { "\($0.method) \(normalize($0.path.description))" }
        ).subtracting(console)
        let documented = try documentedOperations()
        #expect(served.subtracting(documented).sorted() == [], "served but not documented")
        #expect(documented.subtracting(served).sorted() == [], "documented but not served")
        #expect(served.count > 40)
    }

    @Test(arguments: Backend.all) func theDocumentIsServedWithoutAKey(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        try await h.test { client in
            let response = try await client.send(.get, "/docs/json", key: nil)
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == OpenAPIDocument.json(limits: h.limits))
        }
    }

    /// The document's bounds are the running server's, not numbers written into the document.
    @Test func theBoundsAreTheServersLimits() throws {
        let limits = Limits(
            batchSizeMax: 7, bodyBytesMax: 5_000, initiatorLengthMax: 33, nameLengthMax: 44, credentialLengthMax: 77,
            chainLengthMax: 22, emojiLengthMax: 8, pageSizeMax: 55, searchValuesMax: 6, urlLengthMax: 99)
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json(limits: limits).utf8)) as? [String: Any])
        func value(_ path: String) -> Any? {
            path.split(separator: ".").reduce(document as Any?) { ($0 as? [String: Any])?[String($1)] }
        }
        let schemas = "components.schemas"
        for request in ["BatchRequest", "LegacyBatchRequest"] {
            #expect(value("\(schemas).\(request).properties.updates.maxItems") as? Int == 7)
            #expect(value("\(schemas).\(request).properties.initiatorId.maxLength") as? Int == 33)
        }
        #expect(value("\(schemas).CreateRealm.properties.name.maxLength") as? Int == 44)
        #expect(value("\(schemas).CreateCurrency.properties.emoji.maxLength") as? Int == 8)
        #expect(value("\(schemas).CreateCurrency.properties.customEmojiUrl.maxLength") as? Int == 99)
        #expect(value("\(schemas).CreateMember.properties.wallet.maxLength") as? Int == 77)
        #expect(value("\(schemas).CreateMember.properties.walletChain.maxLength") as? Int == 22)
        #expect(value("\(schemas).CreateMember.properties.walletName.maxLength") as? Int == 44)
        #expect(
            value("\(schemas).RealmMember.properties.id.pattern") as? String == "^[0-9a-f]{\(RealmID.textLength)}$")

        let paths = try #require(document["paths"] as? [String: [String: [String: Any]]])
        let batch = try #require(paths["/api/v1/realms/{realmId}/members/transaction"]?["patch"])
        let responses = try #require(batch["responses"] as? [String: [String: Any]])
        #expect((responses["413"]?["description"] as? String)?.contains("5000 bytes") == true)
        let parameters = try #require(batch["parameters"] as? [[String: Any]])
        let idempotencyKey = try #require(parameters.first { $0["name"] as? String == "Idempotency-Key" })
        #expect((idempotencyKey["schema"] as? [String: Any])?["maxLength"] as? Int == IdempotencyClaim.keyLengthMax)

        func maximum(_ path: String, _ parameter: String) throws -> Int? {
            let operation = try #require(paths[path]?["get"])
            let parameters = try #require(operation["parameters"] as? [[String: Any]])
            let found = try #require(parameters.first { $0["name"] as? String == parameter })
            return (found["schema"] as? [String: Any])?["maximum"] as? Int
        }
        #expect(try maximum("/api/v1/realms/{realmId}/members/", "limit") == 55)
        #expect(try maximum("/api/v1/realm/{realmId}/currencies", "limit") == 55)
        #expect(try maximum("/api/v1/realms/{realmId}/members/leaderboard", "take") == 55)
        #expect(try maximum("/api/v1/realms/{realmId}/members/{dripId}/transactions", "limit") == 55)
    }
}

extension String {
    var prefixedWithSlash: String { hasPrefix("/") ? self : "/" + self }
}
