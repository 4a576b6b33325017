import Hummingbird
import NIOCore

/// `GET /metrics`: every metric of the server in the Prometheus text format, no key needed. On
/// the main port unless `tally serve --metrics-address` moves it to a listener of its own.
struct MetricsController {
    let metrics: ServerMetrics

    @Sendable func get(_ request: Request, context: TallyRequestContext) async throws -> Response {
        Response(
            status: .ok, headers: [.contentType: ServerMetrics.contentType],
            body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
    }
}
