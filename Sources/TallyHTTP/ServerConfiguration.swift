import TallyCore

/// What `tally serve` decides about the HTTP server.
public struct ServerConfiguration: Sendable {
    /// Address to bind (default loopback only).
    public var hostname: String
    /// Port to bind; 0 picks a free one.
    public var port: Int
    /// Request limits.
    public var limits: Limits

    /// A configuration.
    public init(hostname: String = "127.0.0.1", port: Int = 8080, limits: Limits = .standard) {
        self.hostname = hostname
        self.port = port
        self.limits = limits
    }
}
