import CoreMetrics
import Prometheus
import TallyMetrics

/// The metrics of one server: a Prometheus registry, the swift-metrics factory that records into
/// it, and Tally's own handles (`TallyMetrics`) made from that factory. `GET /metrics` renders
/// the registry in the Prometheus text format.
///
/// `tally serve` makes one and bootstraps the process-global `MetricsSystem` with its `factory`
/// (once per process), so that Hummingbird's `MetricsMiddleware`, which records through the
/// global system, lands in the same registry. An application built without a bootstrap (as the
/// in-process tests build them) still serves Tally's own metrics from its registry; the HTTP
/// request metrics then go to the global system's no-op handler.
public struct ServerMetrics: Sendable {
    /// What `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    /// Records into `registry`; give it to `MetricsSystem.bootstrap` once per process.
    public let factory: PrometheusMetricsFactory
    /// Tally's own handles, made from `factory`; give them to the store too.
    public let tally: TallyMetrics

    /// The content type of the exposition: the Prometheus text format, version 0.0.4.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Metrics recorded into `registry` (a new, empty one by default); `commit` is the one the
    /// binary was built from, for `tally_build_info`.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), commit: String = "unknown") {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.durationBuckets
        factory.valueHistogramBuckets = [TallyMetrics.Name.groupSize: Self.groupSizeBuckets]
        factory.nameAndLabelSanitizer = { name, labels in
            (Self.names[name] ?? name, labels.map { (Self.labelNames[$0.0] ?? $0.0, $0.1) })
        }
        self.registry = registry
        self.factory = factory
        self.tally = TallyMetrics(factory: factory, commit: commit)
    }

    /// The registry in the Prometheus text format.
    public func exposition() -> [UInt8] {
        var bytes = [UInt8]()
        registry.emit(into: &bytes)
        return bytes
    }

    /// From 1 ms (a one-change commit on a fast disk) to 10 s.
    static let durationBuckets: [Duration] = [
        .milliseconds(1), .microseconds(2_500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2_500), .seconds(5), .seconds(10),
    ]

    /// Writes per group, up to the committer's 512.
    static let groupSizeBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]

    /// Hummingbird's `MetricsMiddleware` names, in Prometheus's spelling and under Tally's prefix.
    /// Their labels are the route template (`/api/v1/realms/{realmId}/members/transaction`, never
    /// the path a client sent: an unmatched path is `NotFound`), the method (one of the methods
    /// the HTTP parser accepts) and the status code, so they stay bounded like Tally's own (see
    /// `TallyMetrics`).
    static let names = [
        "hb.requests": "tally_http_requests_total",
        "hb.request.errors": "tally_http_request_errors_total",
        "http.server.request.duration": "tally_http_request_duration_seconds",
        "http.server.active_requests": "tally_http_active_requests",
    ]

    static let labelNames = [
        "http.route": "route",
        "http.request.method": "method",
        "http.response.status_code": "status",
        "error.type": "status",
    ]
}
