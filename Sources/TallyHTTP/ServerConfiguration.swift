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
