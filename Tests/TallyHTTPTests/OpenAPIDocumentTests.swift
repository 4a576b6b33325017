import Foundation
import Hummingbird
import HummingbirdTesting
import TallyCore
import TallyHTTP
import Testing

/// The served document describes exactly the routes the router serves.
@Suite struct OpenAPIDocumentTests {
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
        let served = Set(
            router.routes.filter { $0.method != .head }.map { "\($0.method) \(normalize($0.path.description))" })
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
}

extension String {
    var prefixedWithSlash: String { hasPrefix("/") ? self : "/" + self }
}
