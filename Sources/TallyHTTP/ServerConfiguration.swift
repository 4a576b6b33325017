import TallyCore

/// What `tally serve` decides about the HTTP server.
public struct ServerConfiguration: Sendable {
    /// Address to bind (default loopback only).
    public var hostname: String
    /// Port to bind; 0 picks a free one.
    public var port: Int
    /// Request limits.
    public var limits: Limits
    /// Requests per minute per realm; nil turns rate limiting off (the default).
    public var rateLimitPerMinute: Int?
    /// How long an Idempotency-Key is remembered (default 24 hours).
    public var idempotencyRetentionSeconds: Int64 = 24 * 3_600
    /// A connection idle this long is closed (slow or half-open clients).
    public var idleTimeoutSeconds: Int64 = 30
    /// Largest single request header, in bytes.
    public var headerBytesMax: Int = 16 * 1_024
    /// Largest set of request headers, in bytes.
    public var headersBytesMax: Int = 64 * 1_024
    /// Most request headers.
    public var headerCountMax: Int = 100

    /// A configuration.
    public init(
        hostname: String = "127.0.0.1", port: Int = 8080, limits: Limits = .standard, rateLimitPerMinute: Int? = nil
    ) {
        self.hostname = hostname
        self.port = port
        self.limits = limits
        self.rateLimitPerMinute = rateLimitPerMinute
    }
}
