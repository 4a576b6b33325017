import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TallyCore
import TallyHTTP
import TallyTestSupport
import Testing

/// `GET /metrics` in process: open, in the text format, and counting every error answer by its
/// code, rate-limited requests among them. (Each application here records into a registry of its
/// own; nothing bootstraps the process-global metrics system.)
@Suite(.serviceScope) struct MetricsRouteTests {
    @Test(arguments: Backend.all) func rejectionsAreCountedByCodeAndTheRouteNeedsNoKey(_ backend: Backend)
        async throws
    {
        let time = RateLimitTests.manualClock()
        let h = try await HTTPHarness.make(backend, clock: time.clock)
        defer { h.cleanUp() }
        let metrics = ServerMetrics()
        let app = h.application(ServerConfiguration(limits: h.limits, rateLimitPerMinute: 3), metrics: metrics)
        try await app.test(.router) { client in
            let realm = "/api/v1/realms/\(h.realm.id)"
            #expect(try await client.send(.get, realm, key: h.key).status == .ok)
            let unknown = #"{"updates":[{"dripId":"0123456789abcdef01234567","amount":1}]}"#
            try expectFailure(
                try await client.patch(h.batchPath, key: h.key, json: unknown), .badRequest, "MEMBER_NOT_FOUND")
            #expect(try await client.send(.get, realm, key: h.key).status == .ok)
            try expectFailure(try await client.send(.get, realm, key: h.key), .tooManyRequests, "Rate limit exceeded")
            try expectFailure(try await client.send(.get, realm, key: nil), .unauthorized, "Unauthorized")
            try expectFailure(try await client.send(.get, "/api/v1/nowhere", key: nil), .notFound, "Not Found")

            let response = try await client.executeRequest(uri: "/metrics", method: .get, headers: [:], body: nil)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == ServerMetrics.contentType)
            let families = try PrometheusText.parse(String(buffer: response.body))
            #expect(families.value("tally_rate_limited_total") == 1)
            let rejections = "tally_rejections_total"
            #expect(families.value(rejections, ["code": "Rate limit exceeded"]) == 1)
            #expect(families.value(rejections, ["code": "MEMBER_NOT_FOUND"]) == 1)
            #expect(families.value(rejections, ["code": "Unauthorized"]) == 1)
            #expect(families.value(rejections, ["code": "Not Found"]) == 1)
            #expect(families.value(rejections) == 4)
            // Every stable code has its series from the start, and no other value appears.
            let codes = Set(families.samples(rejections).compactMap { $0.labels["code"] })
            #expect(codes == Set(TallyError.Code.allCases.map(\.rawValue)))
            #expect(
                families.value(
                    "tally_build_info", ["version": TallyVersion.version, "commit": "unknown"]) == 1)
        }
    }

    @Test func theDocumentListsMetricsAsAnOpenTextOperation() throws {
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json().utf8)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: [String: Any]]])
        let metrics = try #require(paths["/metrics"]?["get"])
        #expect((metrics["security"] as? [Any])?.isEmpty == true, "no key")
        let ok = try #require((metrics["responses"] as? [String: [String: Any]])?["200"])
        #expect((ok["content"] as? [String: Any])?.keys.sorted() == ["text/plain"])
    }

    @Test func addressesParse() {
        #expect(ListenAddress("127.0.0.1:9090") == ListenAddress(hostname: "127.0.0.1", port: 9090))
        #expect(ListenAddress("[::1]:0") == ListenAddress(hostname: "::1", port: 0))
        #expect(ListenAddress("metrics.internal:9100")?.description == "metrics.internal:9100")
        #expect(ListenAddress("[::1]:9090")?.description == "[::1]:9090")
        for bad in ["9090", ":9090", "host:", "host:x", "host:65536", "host:-1", "[::1:9090", "a b:1"] {
            #expect(ListenAddress(bad) == nil, "\(bad)")
        }
    }
}
